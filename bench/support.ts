// Shared by the benches: the runtime from argv, the stack settings per runtime, and how to read
// the app's body (local: through the nginx edge; swarm: from a probe container on the app's
// overlay network, as no Traefik binary exists here).
import type { StackEnv } from '../e2e/support/stack.js';
import { viaEdge } from '../e2e/support/git.js';

export type BenchRuntime = 'local' | 'swarm';

export function runtimeArg(): BenchRuntime {
  const i = process.argv.indexOf('--runtime');
  const v = i >= 0 ? process.argv[i + 1] : 'local';
  if (v !== 'local' && v !== 'swarm') throw new Error('--runtime must be local or swarm');
  return v;
}

export interface BenchRuntimeSetup {
  env: StackEnv;
  body(app: { name: string; organization: { id: string } }, edgePort: number): Promise<string>;
  close(): Promise<void>;
}

export async function benchRuntime(runtime: BenchRuntime): Promise<BenchRuntimeSetup> {
  if (runtime === 'local') {
    return {
      env: { SLIPWAY_LOG_LEVEL: 'warn' },
      body: async (app, edgePort) => (await viaEdge(edgePort, `${app.name}.localhost`)).body,
      close: async () => undefined,
    };
  }
  const { docker, gatewayAddress, probe, startSlugServer, swarmStackEnv } = await import('../e2e/swarm/support/swarm-fixture.js');
  const { orgNetworkName } = await import('@slipway/core/naming');
  const d = docker();
  const s3 = await startSlugServer(d);
  const gateway = await gatewayAddress(d);
  return {
    env: (ports) => ({ SLIPWAY_LOG_LEVEL: 'warn', ...swarmStackEnv(s3, gateway)(ports) }),
    body: async (app) => (await probe(d, orgNetworkName(app.organization.id), `curl -s --max-time 5 http://slw-${app.name}-web:5000/`)).output.trim(),
    close: () => s3.close(),
  };
}

export async function waitForBody(get: () => Promise<string>, want: string, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const body = await get().catch(() => '');
    if (body === want) return;
    if (Date.now() > end) throw new Error(`never served "${want}" (last: ${body.slice(0, 80)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
