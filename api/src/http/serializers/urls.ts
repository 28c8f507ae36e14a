// Public URLs of things, derived from config once.
export interface UrlConfig {
  apiUrl: string;
  domain: string;
  edgePort: number;
  edgeScheme: 'http' | 'https';
  gitSshPort: number;
  gitSshHost: string;
  /** Mark the session cookie Secure on every response (TLS is terminated in front of Slipway);
   *  otherwise only on requests that came over TLS (the api's own TLS port). */
  cookiesAlwaysSecure: boolean;
}

export function webUrl(u: UrlConfig, appName: string): string {
  const defaultPort = u.edgeScheme === 'https' ? 443 : 80;
  return `${u.edgeScheme}://${appName}.${u.domain}${u.edgePort === defaultPort ? '' : `:${u.edgePort}`}/`;
}

export const gitUrl = (u: UrlConfig, appName: string): string => `${u.apiUrl}/${appName}.git`;
export const gitSshUrl = (u: UrlConfig, appName: string): string => `ssh://git@${u.gitSshHost}:${u.gitSshPort}/${appName}.git`;
