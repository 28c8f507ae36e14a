// RepoStore port: one bare git repository per app, on the api host.
// Promises: create/rename/remove by validated app name; size in bytes.
// Leaves out: receiving pushes (git/), building (worker).
export interface RepoStore {
  create(appName: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(appName: string): Promise<void>;
  size(appName: string): Promise<number>;
}
