// AppUids port: the Unix uid an app's sandboxed processes (its builds, dynos and one-off commands)
// run as on this machine.
// Promises: every app gets its own uid from the configured range on first use; the same app keeps
// it for as long as it exists; no two existing apps ever hold the same uid.
// Leaves out: creating users (uids need no /etc/passwd entry; sandboxes get their own).

export interface AppUids {
  uidOf(appId: string): Promise<number>;
}
