// The heroku-cli tier's one stack: the whole platform as real processes (api with its TLS port,
// worker, nginx edge, the rendezvous listener for `heroku run`), started once for every file of
// the tier, and the
// people who use it: alice (owner of the team "acme"), bob (a member of acme), vic (a viewer of
// acme) and carol (in no team of alice's). Test files reach it through inject('cli'). Custom
// domains are verified against a test DNS server (support/acme-env.ts's, zone files the tests
// write); no ACME CA answers (certificates are the domains tier's), so orders fail at once.
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { requireEnv } from '@slipway/core/testing/test-env';
import { startStack, type Stack } from '../../support/stack.js';
import { ApiClient } from '../../support/client.js';
import { freePort } from '@slipway/core/testing/free-port';
import { startTestDns } from '../../support/acme-env.js';

export interface CliUser {
  email: string;
  password: string;
  token: string;
}

export interface CliStack {
  /** Plain HTTP (for the tests' own API calls). */
  apiUrl: string;
  /** The api's TLS port, what users give the CLI (HEROKU_HOST) and git. */
  httpsUrl: string;
  edgePort: number;
  dataDir: string;
  /** The stack's database (tests read what billing reads). */
  dbUrl: string;
  bin: string;
  scratch: string;
  /** The test DNS server's zone (setRecords(name, records, { zoneDir })). */
  zoneDir: string;
  users: { alice: CliUser; bob: CliUser; vic: CliUser; carol: CliUser };
}

declare module 'vitest' {
  export interface ProvidedContext {
    cli: CliStack;
  }
}

const PASSWORD = 'correct horse battery';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = requireEnv('SLIPWAY_HEROKU_CLI');
  const tlsPort = await freePort();
  const zoneDir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'heroku-cli-zone-'));
  const dns = await startTestDns(zoneDir);
  const stack: Stack = await startStack({
    SLIPWAY_API_TLS_PORT: String(tlsPort),
    SLIPWAY_DNS_RESOLVER: `127.0.0.1:${dns.port}`,
    SLIPWAY_ACME_DIRECTORY_URL: `https://127.0.0.1:${await freePort()}/directory`, // nothing listens
  }).catch(async (err: unknown) => {
    await dns.close();
    throw err;
  });
  const stop = async () => {
    await stack.stop();
    await dns.close();
  };
  try {
    const user = async (name: string): Promise<CliUser> => {
      const email = `${name}@example.com`;
      const client = await ApiClient.signUp(stack.apiUrl, email, PASSWORD);
      return { email, password: PASSWORD, token: client.token! };
    };
    const users = { alice: await user('alice'), bob: await user('bob'), vic: await user('vic'), carol: await user('carol') };
    const alice = new ApiClient(stack.apiUrl, users.alice.token);
    const team = await alice.post('/api/v1/organizations', { name: 'acme' });
    if (team.status !== 201) throw new Error(`creating the team failed: ${team.text}`);
    for (const [who, role] of [['bob', 'member'], ['vic', 'viewer']] as const) {
      const r = await alice.post('/api/v1/organizations/acme/members', { email: users[who].email, role });
      if (r.status !== 201) throw new Error(`adding ${who} failed: ${r.text}`);
    }
    const scratch = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'heroku-cli-'));
    project.provide('cli', { apiUrl: stack.apiUrl, httpsUrl: `https://127.0.0.1:${tlsPort}`, edgePort: stack.edgePort, dataDir: stack.dataDir, dbUrl: stack.db.url, bin, scratch, zoneDir, users });
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
