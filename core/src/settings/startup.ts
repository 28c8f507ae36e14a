// Settings read once when a process starts (takesEffect: 'restart'): what the process holds open
// or builds its URLs from for its lifetime — the default domain, the build timeout, the Docker
// connection, the local runtime's boot timeout. main.ts applies them over the Config (the
// environment's first-boot defaults) before the composition root is built.
import type { Config } from '../config/config.js';
import { createPool } from '../db/pool.js';
import { SecretBox, loadOrCreateMasterKey } from '../crypto.js';
import { Store } from '../repositories/index.js';
import { Settings } from './settings.service.js';
import { buildTimeoutSeconds, defaultDomain, dockerHost, healthCheckBootTimeoutSeconds } from './admin.settings.js';

export async function withStartupSettings(config: Config): Promise<Config> {
  const pool = createPool(config.databaseUrl, 1);
  try {
    const settings = new Settings({ store: new Store(pool), config, box: new SecretBox(loadOrCreateMasterKey(config.masterKeyFile)) });
    const [domain, timeoutSeconds, host, bootTimeoutSeconds] = await Promise.all([
      settings.get(defaultDomain),
      settings.get(buildTimeoutSeconds),
      settings.get(dockerHost),
      settings.get(healthCheckBootTimeoutSeconds),
    ]);
    return { ...config, domain, build: { ...config.build, timeoutSeconds }, docker: { ...config.docker, host }, local: { ...config.local, bootTimeoutSeconds } };
  } finally {
    await pool.end();
  }
}
