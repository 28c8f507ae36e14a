// The ObjectStore contract run against FsObjectStore (a temporary directory).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerObjectStoreContract } from '../../ports/object-store.contract.js';
import { FsObjectStore } from './fs.object-store.js';

registerObjectStoreContract('fs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slw-fs-store-'));
  return { store: new FsObjectStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
