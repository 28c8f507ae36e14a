// The containers' network fence on a node (core/src/adapters/docker/docker-egress-guard.ts, run as
// `docker run` of the stack image over SSH): put there by provisioning, and looked for on every
// heartbeat, because a node's reboot (or an operator's iptables flush) empties DOCKER-USER and
// Docker recreates only its own chains.
// Promises: present() reads DOCKER-USER as root and answers whether the fence's link-local rule is
// there; apply() runs the guard (idempotent: rules already there are not added twice). Commands are
// fixed argv built from validated values (the node's user, the stack image's name, the api's IPv4).
// Leaves out: logging what it did (the callers: the provisioning log, the heartbeat's activity).
import { guardRunArgv, type ApiAddress } from '@slipway/core/adapters/docker/docker-egress-guard';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import type { RemoteSession } from '@slipway/core/ports/remote-shell.port';
import { asRoot, type Argv } from './node-commands.js';

/** A rule only the fence writes: containers may not reach link-local addresses (the metadata one). */
const SIGNATURE = /^-A DOCKER-USER -d 169\.254\.0\.0\/16 -o \S+ -j REJECT/m;

export class NodeFence {
  constructor(private readonly deps: { stackImage: () => string; api?: () => Promise<ApiAddress | undefined> }) {}

  /** The guard's argv on this node (as root). */
  async argv(node: NodeRow): Promise<Argv> {
    return asRoot(node.sshUser, guardRunArgv(this.deps.stackImage(), await this.deps.api?.()));
  }

  async present(session: RemoteSession, node: NodeRow): Promise<boolean> {
    for (const ipt of ['iptables-nft', 'iptables-legacy']) {
      const res = await session.exec({ argv: asRoot(node.sshUser, [ipt, '-w', '-S', 'DOCKER-USER']) }, { timeoutMs: 10_000 });
      if (res.exitCode === 0 && SIGNATURE.test(res.stdout)) return true;
    }
    return false;
  }

  /** Runs the guard; throws with its last output line when it fails. */
  async apply(session: RemoteSession, node: NodeRow): Promise<void> {
    const res = await session.exec({ argv: await this.argv(node), display: 'docker run … slipway-guard apply' }, { timeoutMs: 5 * 60_000 });
    if (res.exitCode !== 0) throw new Error(`the containers' network guard exited with ${res.exitCode ?? res.signal}: ${(res.stderr || res.stdout).trim().split('\n').pop() ?? ''}`);
  }
}
