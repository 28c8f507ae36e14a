// Pure rendering of the edge's nginx configuration: what reaches the text is validated.
import { describe, expect, it } from 'vitest';
import { mainConfig, routesConfig, upstreamName } from './nginx-config.js';

const layout = { dir: '/srv/slipway/edge', port: 8080, bind: '127.0.0.1', user: null };
const route = { appId: 'a1b2-c3', hostnames: ['shop.localhost', 'www.shop.example.com'], maintenance: false, targets: [{ host: '127.0.0.1', port: 20001 }, { host: '::1', port: 20002 }] };

describe('nginx config', () => {
  it('renders an upstream with keepalive and a server per routed app', () => {
    const text = routesConfig(layout, [route]);
    expect(text).toContain('upstream slw_a1b2_c3 {');
    expect(text).toContain('server 127.0.0.1:20001 max_fails=1 fail_timeout=3s;');
    expect(text).toContain('server [::1]:20002 max_fails=1 fail_timeout=3s;');
    expect(text).toContain('keepalive 32;');
    expect(text).toContain('listen 127.0.0.1:8080;');
    expect(text).toContain('server_name shop.localhost www.shop.example.com;');
    expect(text).toContain('proxy_pass http://slw_a1b2_c3;');
  });

  it('renders maintenance and no-target routes without an upstream', () => {
    const m = routesConfig(layout, [{ ...route, maintenance: true }]);
    expect(m).not.toContain('upstream');
    expect(m).toContain('return 503');
    expect(m).toContain('Offline for maintenance');
    expect(routesConfig(layout, [{ ...route, targets: [] }])).toContain('no web processes');
    expect(routesConfig(layout, [{ ...route, hostnames: [] }])).not.toContain('server_name');
  });

  it('renders an unavailable (suspended) route as a 503 that does not say why, whatever its targets or maintenance', () => {
    for (const r of [{ ...route, unavailable: true }, { ...route, unavailable: true, maintenance: true, targets: [] }]) {
      const text = routesConfig(layout, [r]);
      expect(text).not.toContain('upstream');
      expect(text).toContain('return 503');
      expect(text).toContain('This app is not available right now');
      expect(text).not.toMatch(/maintenance|no web processes|wallet|suspend/i);
    }
  });

  it('refuses anything that could inject a directive', () => {
    expect(() => routesConfig(layout, [{ ...route, hostnames: ['a.localhost;'] }])).toThrow(/Hostname/);
    expect(() => routesConfig(layout, [{ ...route, hostnames: ['a.localhost include'] }])).toThrow(/Hostname/);
    expect(() => routesConfig(layout, [{ ...route, targets: [{ host: '1.2.3.4;', port: 1 }] }])).toThrow();
    expect(() => routesConfig(layout, [{ ...route, targets: [{ host: '127.0.0.1', port: 70000 }] }])).toThrow(/port/);
    expect(() => upstreamName('x;y')).toThrow(/id/);
    expect(() => mainConfig({ ...layout, dir: '/srv/my edge' })).toThrow(/absolute path/);
    expect(() => mainConfig({ ...layout, bind: 'example.com' })).toThrow(/IP address/);
  });

  it('listens on the configured bind address, IPv6 included, and drops privileges when asked', () => {
    expect(mainConfig({ ...layout, bind: '::', user: 'www-data' })).toMatch(/^user www-data;$/m);
    expect(mainConfig({ ...layout, bind: '::' })).toContain('listen 8080 default_server;\n        listen [::]:8080 default_server;');
    expect(routesConfig({ ...layout, bind: '::' }, [route])).toContain('listen 8080;\n    listen [::]:8080;');
    expect(mainConfig({ ...layout, bind: '::1' })).toContain('listen [::1]:8080 default_server;');
    expect(mainConfig({ ...layout, bind: '0.0.0.0' })).toContain('listen 8080 default_server;');
    expect(mainConfig(layout)).not.toMatch(/^user /m);
    expect(mainConfig(layout)).toContain('include /srv/slipway/edge/routes/active.conf;');
  });

  it('refuses one hostname routed to two apps', () => {
    expect(() => routesConfig(layout, [route, { ...route, appId: 'other' }])).toThrow(/two apps/);
  });

  describe('with a TLS port', () => {
    const tls = { ...layout, tlsPort: 8443, acmeUpstream: '127.0.0.1:5000' };
    const certs = new Map([['www.shop.example.com', '/srv/slipway/edge/certs/abc.pem']]);

    it('serves a hostname with a certificate over HTTPS (SNI, HTTP/2) and redirects its plain HTTP', () => {
      const text = routesConfig(tls, [{ ...route, httpsRedirect: true }], certs);
      expect(text).toContain('listen 127.0.0.1:8443 ssl http2;\n    server_name www.shop.example.com;\n    ssl_certificate /srv/slipway/edge/certs/abc.pem;');
      expect(text).toContain('server_name www.shop.example.com;\n    location ^~ /.well-known/acme-challenge/ { proxy_pass http://slw_acme; }\n    location / { return 308 https://$host:8443$request_uri; }');
      // the name without a certificate stays plain HTTP, proxied, and still answers challenges first
      expect(text).toContain('server_name shop.localhost;\n    location ^~ /.well-known/acme-challenge/');
      expect(text.match(/proxy_pass http:\/\/slw_a1b2_c3;/g)).toHaveLength(2);
    });

    it('proxies plain HTTP too when the app does not redirect, and ignores certificates without a TLS port', () => {
      expect(routesConfig(tls, [{ ...route, httpsRedirect: false }], certs)).not.toContain('return 308');
      expect(routesConfig(layout, [{ ...route, httpsRedirect: true }], certs)).not.toContain('ssl');
      expect(routesConfig({ ...tls, tlsPort: 443 }, [{ ...route, httpsRedirect: true }], certs)).toContain('return 308 https://$host$request_uri;');
    });

    it('refuses unknown names at the handshake and sends challenges of unknown hosts to the responder', () => {
      const main = mainConfig(tls);
      expect(main).toContain('listen 127.0.0.1:8443 ssl http2 default_server;\n        server_name _;\n        ssl_reject_handshake on;');
      expect(main).toContain('upstream slw_acme {\n        server 127.0.0.1:5000;');
      expect(main).toMatch(/server_name _;\n {8}location \^~ \/\.well-known\/acme-challenge\/ \{ proxy_pass http:\/\/slw_acme; \}/);
      expect(mainConfig(layout)).not.toContain('ssl');
      expect(mainConfig(layout)).not.toContain('acme');
      expect(() => mainConfig({ ...tls, acmeUpstream: 'x;y:1' })).toThrow();
    });
  });
});
