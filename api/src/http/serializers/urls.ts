// Public URLs of things, derived from config once.
export interface UrlConfig {
  apiUrl: string;
  domain: string;
  edgePort: number;
  edgeScheme: 'http' | 'https';
  gitSshPort: number;
  gitSshHost: string;
}

export function webUrl(u: UrlConfig, appName: string): string {
  const defaultPort = u.edgeScheme === 'https' ? 443 : 80;
  return `${u.edgeScheme}://${appName}.${u.domain}${u.edgePort === defaultPort ? '' : `:${u.edgePort}`}/`;
}

export const gitUrl = (u: UrlConfig, appName: string): string => `${u.apiUrl}/${appName}.git`;
export const gitSshUrl = (u: UrlConfig, appName: string): string => `ssh://git@${u.gitSshHost}:${u.gitSshPort}/${appName}.git`;
