// BuildExecutor port: runs the builder pipeline (builder/) somewhere isolated.
// Promises: the build sees only its source, its cache, its config vars (ENV_DIR) and a minimal
// environment — never the platform's environment (database URL, master key, tokens); it is killed
// at its deadline; output lines arrive as they happen; whatever happens, nothing of the build is
// left running. Adapters: a subprocess on the local machine (local runtime), a throwaway
// slipway/builder container (swarm runtime).
// Leaves out: fetching the source and storing the slug (the worker does that around it).

export interface BuildRequest {
  buildId: string;
  appId: string;
  appName: string;
  /** Commit being built: SOURCE_VERSION for the buildpacks, as on Heroku. */
  commit?: string | undefined;
  /** Directory holding the checked-out source (read by the executor, not modified). */
  sourceDir: string;
  /** Fresh empty directory for this build: the slug and result land here. */
  workDir: string;
  /** Per-app directory kept between builds (buildpack caches). */
  cacheDir: string;
  /** Config vars for the buildpacks' ENV_DIR (in memory only). */
  env: Record<string, string>;
  /** Buildpacks named by the app (built-in names or git URLs); empty: `.buildpacks` or detection. */
  buildpacks: string[];
  timeoutMs: number;
  signal: AbortSignal;
}

export interface BuildArtifact {
  /** Path of the slug (tar.gz of /app) inside workDir. */
  slugPath: string;
  size: number;
  sha256: string;
  processTypes: Record<string, string>;
  /** Buildpack description, e.g. "Node.js" or the git URL. */
  buildpack: string;
  stack: string;
}

export type BuildExecution = { ok: true; artifact: BuildArtifact } | { ok: false; message: string };

export interface BuildExecutor {
  run(req: BuildRequest, onLine: (line: string) => void): Promise<BuildExecution>;
}
