// The swarm edge's rendered configuration with TLS: certificate files named by their content's
// sha256 under the edge's directory, HTTPS inside the container on 8443, redirects naming the
// published port; and the edge service publishing that port (nginx itself checks the text in
// swarm-edge.config.int.test.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { edgeServiceSpec } from '../../runtime/swarm/platform-services.js';
import { CERT_FILE_RE, SWARM_EDGE_TLS_PORT, swarmEdgeConfig } from './swarm-edge.config.js';

const route = (appId: string, hostnames: string[], httpsRedirect = false) => ({
  appId, hostnames, maintenance: false, targets: [{ host: `tasks.slw-${appId}-web`, port: 5000 }], httpsRedirect,
});
const cert = (hostnames: string[], n: number) => ({ hostnames, certPem: `-----BEGIN CERTIFICATE-----\ncert${n}\n-----END CERTIFICATE-----`, keyPem: `-----BEGIN PRIVATE KEY-----\nkey${n}\n-----END PRIVATE KEY-----` });

describe('swarm edge configuration with TLS', () => {
  const routes = [route('shop', ['shop.apps.example.net', 'www.shop.test'], true), route('blog', ['blog.apps.example.net'])];
  const certificates = [cert(['shop.apps.example.net', 'www.shop.test'], 1), cert(['blog.apps.example.net'], 2), cert(['gone.apps.example.net'], 3)];

  it('names each routed certificate by the sha256 of its file, and serves HTTPS on 8443 in the container', () => {
    const { text, files } = swarmEdgeConfig(routes, { certificates, publicTlsPort: 31443 });
    expect([...files.keys()]).toHaveLength(2); // the certificate of an unrouted name is not rendered
    for (const [name, pem] of files) {
      expect(name).toMatch(CERT_FILE_RE);
      expect(`${createHash('sha256').update(pem).digest('hex')}.pem`).toBe(name);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\nkey\d\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----/);
      expect(text).toContain(`ssl_certificate /var/lib/slipway-edge/certs/${name};`);
      expect(text).toContain(`ssl_certificate_key /var/lib/slipway-edge/certs/${name};`);
    }
    expect(text).toContain(`listen ${SWARM_EDGE_TLS_PORT} ssl http2 default_server;`);
    expect(text).not.toContain('listen 31443');
    expect(text).not.toContain('key3');
  });

  it('redirects HTTP to the published HTTPS port, only for apps that ask', () => {
    const { text } = swarmEdgeConfig(routes, { certificates, publicTlsPort: 31443 });
    expect(text).toContain('server_name shop.apps.example.net www.shop.test;\n    location / { return 308 https://$host:31443$request_uri; }');
    expect(text).not.toContain(`https://$host:${SWARM_EDGE_TLS_PORT}`);
    expect(swarmEdgeConfig(routes, { certificates, publicTlsPort: 443 }).text).toContain('return 308 https://$host$request_uri;');
    expect(text.match(/return 308/g)).toHaveLength(1); // blog has no redirect
  });

  it('renders no TLS without a TLS port, and changes its etag with the certificates', () => {
    const plain = swarmEdgeConfig(routes, { certificates });
    expect(plain.files.size).toBe(0);
    expect(plain.text).not.toMatch(/ssl|8443|return 308/);
    const a = swarmEdgeConfig(routes, { certificates, publicTlsPort: 31443 });
    const b = swarmEdgeConfig(routes, { certificates: [cert(['shop.apps.example.net', 'www.shop.test'], 4)], publicTlsPort: 31443 });
    expect(a.etag).not.toBe(b.etag);
    expect(swarmEdgeConfig(routes, { certificates, publicTlsPort: 31443 }).etag).toBe(a.etag);
  });

  it('sends ACME challenges to the api on plain HTTP', () => {
    const { text } = swarmEdgeConfig(routes, { acmeUpstream: '172.18.0.1:3000' });
    expect(text).toContain('server 172.18.0.1:3000;');
    expect(text).toContain('location ^~ /.well-known/acme-challenge/ { proxy_pass http://slw_acme; }');
  });

  it('publishes the HTTPS port in host mode when there is one', () => {
    const base = { image: 'slipway/edge:x', port: 30080, configUrl: 'http://10.0.0.1:3000/internal/edge/nginx.conf', token: { id: 's', name: 's' }, networks: [] };
    expect(edgeServiceSpec(base).EndpointSpec?.Ports).toEqual([{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 30080, PublishMode: 'host' }]);
    expect(edgeServiceSpec({ ...base, tlsPort: 30443 }).EndpointSpec?.Ports?.[1]).toEqual({ Protocol: 'tcp', TargetPort: SWARM_EDGE_TLS_PORT, PublishedPort: 30443, PublishMode: 'host' });
  });
});
