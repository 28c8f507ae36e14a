// Test tiers (./scripts/test runs them in this order):
//   unit         *.test.ts next to the code; no servers
//   integration  *.int.test.ts; real PostgreSQL + Redis started by scripts/test
//   e2e          e2e/local/**; the whole stack on the local runtime: real git, nginx, sshd, DNS, Pebble
//   heroku-cli   e2e/heroku-cli/**; the real `heroku` CLI (npm heroku@11) against one stack
//   browser      e2e/browser/**; Debian's chromium via playwright-core against the stack
//   swarm        e2e/swarm/** and *.swarm.test.ts; real dockerd + one-node swarm
//   cluster      e2e/cluster/**; a manager and two nodes (netns + sshd + dockerd each), real swarm
//   up           e2e/up/**; runs ./scripts/up itself
import { defineConfig } from 'vitest/config';
import path from 'node:path';

const root = import.meta.dirname;
const alias = [
  { find: /^@slipway\/(core|api|worker|builder)\/(.*)$/, replacement: path.join(root, '$1/src/$2.ts') },
];
const common = { resolve: { alias } };
const exclude = ['**/node_modules/**', '**/dist/**'];
// one DNS server and one Pebble (ACME test CA) per e2e / browser tier run
const acmeSetup = path.join(root, 'e2e/support/acme-global-setup.ts');

export default defineConfig({
  test: {
    projects: [
      { ...common, test: { name: 'unit', include: ['{core,api,worker,builder}/src/**/*.test.ts', 'client/src/**/*.test.ts'], exclude: [...exclude, '**/*.int.test.ts', '**/*.swarm.test.ts'], testTimeout: 30_000 } },
      { ...common, test: { name: 'integration', include: ['{core,api,worker,builder}/src/**/*.int.test.ts', 'e2e/integration/**/*.test.ts'], exclude, testTimeout: 60_000, hookTimeout: 60_000 } },
      { ...common, test: { name: 'e2e', include: ['e2e/local/**/*.test.ts'], exclude, globalSetup: [acmeSetup], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: true, maxWorkers: 2 } },
      { ...common, test: { name: 'heroku-cli', include: ['e2e/heroku-cli/**/*.test.ts'], exclude, globalSetup: ['e2e/heroku-cli/support/global-setup.ts'], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: true, maxWorkers: 2 } },
      { ...common, test: { name: 'browser', include: ['e2e/browser/**/*.test.ts'], exclude, globalSetup: [acmeSetup], testTimeout: 240_000, hookTimeout: 240_000, fileParallelism: false } },
      { ...common, test: { name: 'swarm', include: ['e2e/swarm/**/*.test.ts', '{core,worker}/src/**/*.swarm.test.ts'], exclude, testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
      { ...common, test: { name: 'cluster', include: ['e2e/cluster/**/*.test.ts'], exclude, testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
      { ...common, test: { name: 'up', include: ['e2e/up/**/*.test.ts'], exclude, testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
    ],
  },
});
