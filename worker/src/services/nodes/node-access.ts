// Reaching a node over SSH: its private key unsealed in memory only, its pinned host key enforced.
// Promises: a host key other than the pinned one marks the node `untrusted` (status detail names
// both fingerprints), pauses it in the swarm if it joined (no new tasks; running ones stay until an
// admin drains it), records an activity entry and an administrators' notification, and nothing is
// sent to the node; the key never leaves this module except to the SSH adapter.
// Leaves out: what is run on the node.
import type { Logger } from '@slipway/core/logger';
import type { SecretBox } from '@slipway/core/crypto';
import type { Store } from '@slipway/core/repositories/index';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import { nodeKeyAad } from '@slipway/core/domain/node-rules';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import { HostKeyError, type RemoteSession, type RemoteShell, type SshTarget } from '@slipway/core/ports/remote-shell.port';

export class NodeAccess {
  constructor(private readonly deps: { store: Store; shell: RemoteShell; box: SecretBox; nodes: SwarmNodes; log: Logger }) {}

  async target(node: NodeRow): Promise<SshTarget> {
    const sealed = await this.deps.store.repos.nodes.sealedKey(node.id);
    if (!sealed) throw new Error(`node ${node.id} has no key`);
    return {
      host: node.host,
      port: node.port,
      user: node.sshUser,
      privateKey: this.deps.box.openString('platform', sealed, nodeKeyAad(node.id)),
      hostKeyFingerprint: node.hostKeyFingerprint,
    };
  }

  /** A session on the node; a host key mismatch marks it untrusted and rethrows. */
  async open(node: NodeRow, timeoutMs = 20_000): Promise<RemoteSession> {
    try {
      return await this.deps.shell.open(await this.target(node), { timeoutMs });
    } catch (err) {
      if (err instanceof HostKeyError && err.expected !== null) await this.untrusted(node, err);
      throw err;
    }
  }

  private async untrusted(node: NodeRow, err: HostKeyError): Promise<void> {
    this.deps.log.warn({ nodeId: node.id, presented: err.presented, expected: err.expected }, 'node host key mismatch: marked untrusted');
    if (node.swarmNodeId && (await this.deps.nodes.get(node.swarmNodeId))) await this.deps.nodes.update(node.swarmNodeId, { availability: 'pause' });
    await this.deps.store.transaction(async (repos) => {
      await repos.nodes.update(node.id, { status: 'untrusted', statusDetail: err.message, seenHostKey: err.presented });
      await repos.activity.record({ orgId: null, action: 'node.untrusted', details: { node_id: node.id, name: node.name, presented: err.presented, pinned: err.expected } });
      await repos.nodes.notify({
        kind: 'node.untrusted',
        message: `Node ${node.name} (${node.host}) presented a different host key (${err.presented}); Slipway stopped talking to it.`,
        details: { node_id: node.id },
      });
    });
  }
}
