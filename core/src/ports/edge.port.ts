// Edge port: the HTTP(S) front door that maps hostnames to an app's web processes.
// Promises: a routing table (app → validated hostnames, maintenance flag, web targets host:port,
// HTTP→HTTPS redirect) and a certificate set (hostname → certificate) applied atomically — a
// change is validated as a whole before it takes effect, and a rejected change leaves the previous
// configuration serving; reloads are graceful (in-flight requests and TLS connections finish);
// hostnames nobody routes get a clear 404 page; a route in maintenance serves a 503 page; an
// unavailable route (a suspended app) serves a 503 page that does not say why; a route with no
// targets serves a 503 "no web processes" page; with a TLS port, a routed hostname with a
// certificate is served over HTTPS (SNI) and one without is refused at the handshake; HTTP-01
// challenges are answered for every hostname before the app sees the request.
// Leaves out: custom-domain verification and choosing certificates (services decide which
// hostnames are routed and which certificate serves which name), health checking of targets (the
// runtime only routes healthy processes), starting the edge server itself (scripts do).

export interface EdgeTarget {
  /** IP literal or validated hostname the edge can reach the process on. */
  host: string;
  port: number;
}

export interface EdgeRoute {
  appId: string;
  /** Validated hostnames; an empty list means the app has no route. */
  hostnames: string[];
  maintenance: boolean;
  /** Serve the "unavailable" page (wins over maintenance and targets). */
  unavailable?: boolean;
  targets: EdgeTarget[];
  /** Answer plain HTTP with a redirect to HTTPS for the hostnames that have a certificate. */
  httpsRedirect?: boolean;
}

/** A certificate and the hostnames it serves (each hostname in at most one certificate). */
export interface EdgeCertificate {
  hostnames: string[];
  /** Leaf first, then the chain. */
  certPem: string;
  keyPem: string;
}

export interface Edge {
  /** Set (replace) one app's route; every other route stays as it is. */
  setRoute(route: EdgeRoute): Promise<void>;
  /** Drop the app's route (its hostnames then get the 404 page). No-op when absent. */
  removeRoute(appId: string): Promise<void>;
  /** Replace the whole table at once (worker start-up rebuilds it this way). */
  replaceAll(routes: EdgeRoute[]): Promise<void>;
  /** The table as last applied. */
  routes(): Promise<EdgeRoute[]>;
  /** Replace the certificate set (takes effect for routed hostnames only). */
  setCertificates(certs: EdgeCertificate[]): Promise<void>;
}
