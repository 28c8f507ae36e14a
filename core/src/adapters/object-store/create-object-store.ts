// Picks the ObjectStore adapter the config asks for (used by every composition root).
import type { Config } from '../../config/config.js';
import type { ObjectStore } from '../../ports/object-store.port.js';
import { FsObjectStore } from './fs.object-store.js';
import { S3ObjectStore } from './s3.object-store.js';

export function createObjectStore(config: Config): ObjectStore {
  const o = config.objectStore;
  if (o.kind === 'fs') return new FsObjectStore(o.root);
  return new S3ObjectStore({
    endpoint: o.endpoint,
    region: o.region,
    bucket: o.bucket,
    accessKeyId: o.accessKeyId,
    secretAccessKey: o.secretAccessKey,
    forcePathStyle: o.forcePathStyle,
  });
}
