// `node api/dist/cli/setup.js` — run by ./scripts/up before the servers start: applies migrations
// (under an advisory lock) and creates the first platform admin. The admin's password is printed
// here once when it was generated; it is stored only as an argon2id hash.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@slipway/core/config/config';
import { createLogger } from '@slipway/core/logger';
import { createPool } from '@slipway/core/db/pool';
import { runMigrations } from '@slipway/core/db/migrate';
import { SecretBox, loadOrCreateMasterKey } from '@slipway/core/crypto';
import { Settings } from '@slipway/core/settings/settings.service';
import { preparePrivateDirs } from '@slipway/core/config/data-dirs';
import { Store } from '@slipway/core/repositories/index';
import { UsersService } from '../services/users.service.js';
import { PasswordHasher } from '../services/passwords.js';

const MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: 'warn', name: 'setup' });
  const box = new SecretBox(loadOrCreateMasterKey(config.masterKeyFile));
  await preparePrivateDirs(config);
  const pool = createPool(config.databaseUrl, 2);
  try {
    const applied = await runMigrations(pool, MIGRATIONS, log);
    if (applied.length) process.stdout.write(`migrations applied: ${applied.join(', ')}\n`);
    const store = new Store(pool);
    const users = new UsersService({ store, passwords: new PasswordHasher(), settings: new Settings({ store, config, box }) });
    const admin = await users.ensureFirstAdmin(config.admin.email, config.admin.password);
    if (admin.created) {
      process.stdout.write(`\n  First admin: ${admin.email}\n`);
      process.stdout.write(admin.password ? `  Password:    ${admin.password}   (shown once: save it now)\n\n` : '  Password:    the one given in SLIPWAY_ADMIN_PASSWORD\n\n');
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`setup failed: ${err.message}\n`);
  process.exit(1);
});
