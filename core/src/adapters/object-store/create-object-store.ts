// The ObjectStore of a process (used by every composition root): the store the object-store
// settings describe, followed live (configured.object-store.ts); the environment gives only the
// settings' first-boot defaults.
import type { Config } from '../../config/config.js';
import type { Settings } from '../../settings/settings.service.js';
import { ConfiguredObjectStore, buildObjectStore, readObjectStoreSettings } from './configured.object-store.js';

export function createObjectStore(config: Config, settings: Settings): ConfiguredObjectStore {
  return new ConfiguredObjectStore({ read: () => readObjectStoreSettings(settings), build: (s) => buildObjectStore(s, config) });
}
