// Runtime port: runs an app's processes from a release.
// Promises: apply a release's formation (process types × quantity × plan limits) with zero downtime
// for web (new processes are healthy before traffic moves to them, old ones stop only after);
// change quantities; restart; stop; remove; report dyno status from any process (the api asks,
// the worker acts); route the app's hostnames (through its own edge: nginx for local, Traefik
// labels for swarm), including the maintenance page.
// Leaves out: building (builder/), release bookkeeping and billing (services), log storage (LogStore).
// Only the worker calls the mutating methods; status() may be called from the api.

export interface AppRef {
  id: string;
  name: string;
  orgId: string;
}

export interface ProcessSpec {
  type: string;
  command: string;
  quantity: number;
  /** The type's own size (Heroku's `ps:type`); absent: the release's plan. */
  plan?: PlanLimits;
}

export interface PlanLimits {
  cpu: number;
  memoryMb: number;
  maxReplicas: number;
  /** Swarm placement constraints of the plan ("node.labels.slipway.pool==big"); local ignores them. */
  placement?: string[];
}

export type Artifact =
  | { kind: 'slug'; objectKey: string; sha256: string; size: number }
  | { kind: 'image'; image: string };

export interface Routing {
  /** Validated hostnames (default + verified custom). Empty for apps with no web process. */
  hostnames: string[];
  maintenance: boolean;
  /** The app is suspended: the edge answers 503 "unavailable" without saying why (local edge;
   *  on swarm the app simply has no tasks). */
  unavailable?: boolean;
  /** Plain HTTP answers with a redirect to HTTPS for hostnames that have a certificate. */
  httpsRedirect?: boolean;
}

export interface ReleaseSpec {
  app: AppRef;
  release: { id: string; version: number };
  artifact: Artifact;
  /** Config vars, decrypted. In memory only: never logged, never put in a job payload. */
  env: Record<string, string>;
  /** Every process type of the release with its desired quantity (0 allowed). */
  processes: ProcessSpec[];
  plan: PlanLimits;
  healthCheckPath: string | null;
  routing: Routing;
}

export type DeployResult = { ok: true } | { ok: false; reason: string };

export interface OneOffResult {
  exitCode: number | null;
  timedOut: boolean;
}

/** A one-off dyno (`heroku run`, `run:detached`, app.json's postdeploy). */
export interface OneOffDynoSpec {
  /** "run.3": DYNO, and the log's dyno name. */
  name: string;
  command: string;
  /** Variables on top of the release's config (TERM, COLUMNS, LINES, `heroku run -e`). */
  env: Record<string, string>;
  plan: PlanLimits;
  /** Ended (SIGTERM, then SIGKILL) after this long. */
  timeoutMs: number;
  /** Attached: the process's terminal is joined to a rendezvous session (see
   *  core/src/adapters/rendezvous/protocol.ts) and it starts once the client is there; output does
   *  not go to the log. Detached (null): output goes to the log as app[run.N]. */
  attach: { host: string; port: number; dynoId: string; token: string; caPem: string; tty: boolean } | null;
  /** Aborted: stop it (`heroku ps:stop run.3`, the app deleted). */
  signal: AbortSignal;
  /** Called once, when the process has started. */
  onStart(): void;
}

export type DynoState = 'starting' | 'up' | 'crashed' | 'stopping' | 'down';

export interface DynoStatus {
  /** "web.1" */
  name: string;
  type: string;
  state: DynoState;
  releaseVersion: number;
  startedAt: string | null;
  restarts: number;
}

/** Called with human-readable progress lines ("Starting web.1", "web.1 is healthy"). */
export type Progress = (line: string) => void;

export interface Runtime {
  readonly kind: 'local' | 'swarm';
  /** Start spec beside the running release, wait for health, switch traffic, stop the old one.
   *  On failure the previous release keeps serving and the result says why. */
  deploy(spec: ReleaseSpec, progress: Progress): Promise<DeployResult>;
  /** Run `command` once with the release's artifact and env (release phase), output to progress. */
  runOnce(spec: ReleaseSpec, command: string, progress: Progress, timeoutMs: number): Promise<OneOffResult>;
  /** Run a one-off dyno to its end, in the same sandbox and with the same limits as the app's
   *  other dynos; exitCode is the command's status (null when it never started). */
  runDyno(spec: ReleaseSpec, dyno: OneOffDynoSpec, progress: Progress): Promise<OneOffResult>;
  /** Apply new quantities of the current release (no new release, no restart of untouched dynos). */
  scale(spec: ReleaseSpec): Promise<void>;
  /** Restart every dyno of the app, or of one process type. */
  restart(app: AppRef, type?: string): Promise<void>;
  /** Change hostnames / maintenance without touching processes. */
  setRouting(app: AppRef, routing: Routing): Promise<void>;
  /** Stop every process (quantity 0 everywhere) but keep what is needed to start again. */
  stop(app: AppRef): Promise<void>;
  /** Remove everything the runtime holds for the app (only resources it created). */
  remove(app: AppRef): Promise<void>;
  status(appId: string): Promise<DynoStatus[]>;
}
