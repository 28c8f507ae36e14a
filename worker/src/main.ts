// worker process composition root: read config once, build the worker, consume the queues, and
// stop gracefully on SIGTERM/SIGINT (active jobs finish, dynos stop cleanly).
import { loadConfig } from '@slipway/core/config/config';
import { withStartupSettings } from '@slipway/core/settings/startup';
import { createLogger } from '@slipway/core/logger';
import { createWorkerContext } from './context.js';

async function main(): Promise<void> {
  const config = await withStartupSettings(loadConfig(process.env));
  const log = createLogger({ level: config.logLevel, name: 'worker' });
  const worker = createWorkerContext(config, log);
  await worker.start();
  log.info({ runtime: config.runtime }, 'worker started');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await worker.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`worker failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
