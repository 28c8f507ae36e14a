// Worker nodes for platform administrators: add one (with a private key the admin gives, sealed
// like config vars and never returned, or a key pair Slipway generates whose public key is shown),
// pin or confirm its host key, start/retry provisioning, drain, activate, remove, and read its
// provisioning log, figures and the notifications nodes raise.
// Promises: host, port and user are validated before anything is stored or queued (nothing
// connects from the api at all: the worker does); a node is added, confirmed, drained or removed
// only from the states where that makes sense (409 otherwise, naming the state); removal is refused
// (409) while the node runs the only replica of a service; every change is in the activity log.
// Leaves out: SSH and the swarm work itself (worker nodes queue).
import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import { generateEd25519KeyPair } from '@slipway/core/adapters/ssh/ssh2.remote-shell';
import type { SecretBox } from '@slipway/core/crypto';
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import type { NodeJob } from '@slipway/core/queue/queues';
import type { SwarmNodes, SwarmNode } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import { ConflictError, NotFoundError, ValidationError } from '@slipway/core/errors';
import {
  nodeKeyAad, nodeNameFromHost, validateFingerprint, validateNodeHost, validateNodeName, validateNodePort, validateRoles, validateSshUser,
  type NodeStatus,
} from '@slipway/core/domain/node-rules';

export interface AddNodeInput {
  name?: unknown;
  host: unknown;
  port?: unknown;
  user?: unknown;
  privateKey?: unknown;
  generateKey?: unknown;
  hostKeyFingerprint?: unknown;
  roles?: unknown;
}

const PROVISIONABLE: NodeStatus[] = ['pending', 'failed'];

export class NodesAdminService {
  constructor(private readonly deps: { store: Store; box: SecretBox; jobs: { nodes(job: NodeJob): Promise<void> }; swarm: SwarmNodes | null; log: Logger }) {}

  /** The swarm's nodes; 409 on the local runtime (there is no swarm to add nodes to). */
  private swarm(): SwarmNodes {
    if (!this.deps.swarm) throw new ConflictError('Nodes need the swarm runtime: Slipway runs on the local runtime (SLIPWAY_RUNTIME=local).');
    return this.deps.swarm;
  }

  list(): Promise<NodeRow[]> {
    return this.deps.store.repos.nodes.list();
  }

  async get(id: string): Promise<NodeRow> {
    const node = await this.deps.store.repos.nodes.find(id);
    if (!node) throw new NotFoundError(`Couldn't find that node.`);
    return node;
  }

  /** Validates, seals the key, stores the node; provisioning starts at once unless the key pair was
   *  generated here (its public key must reach the node's authorized_keys first: POST …/provision). */
  async add(actorId: string, input: AddNodeInput): Promise<{ node: NodeRow; publicKey: string }> {
    const host = validateNodeHost(input.host);
    const port = input.port === undefined ? 22 : validateNodePort(input.port);
    const user = input.user === undefined ? 'root' : validateSshUser(input.user);
    const name = input.name === undefined ? nodeNameFromHost(host) : validateNodeName(input.name);
    const roles = validateRoles(input.roles);
    const fingerprint = input.hostKeyFingerprint === undefined || input.hostKeyFingerprint === null ? null : validateFingerprint(input.hostKeyFingerprint);
    const generate = input.generateKey === true;
    if (generate === (input.privateKey !== undefined)) throw new ValidationError('Give either private_key (the key Slipway uses to reach the node) or generate_key: true.', { field: 'private_key' });
    const pair = generate ? generatedPair(name) : givenPair(input.privateKey, name);
    this.swarm();
    const taken = await this.deps.store.repos.nodes.exists(host, port, name);
    if (taken) throw new ConflictError(taken === 'name' ? `A node named ${name} exists already.` : `A node at ${host}:${port} exists already.`);
    const id = randomUUID();
    const node = await this.deps.store.transaction(async (repos) => {
      const row = await repos.nodes.create({
        id, name, host, port, sshUser: user, roles, createdBy: actorId, hostKeyFingerprint: fingerprint,
        privateKey: this.deps.box.seal('platform', pair.privateKey, nodeKeyAad(id)), publicKey: pair.publicKey, keyGenerated: generate,
      });
      await repos.activity.record({ orgId: null, userId: actorId, action: 'node.added', details: { node_id: id, name, host, port, user, roles } });
      return generate ? row : ((await repos.nodes.transition(id, ['pending'], 'provisioning')) ?? row);
    });
    if (!generate) await this.deps.jobs.nodes({ kind: 'provision', nodeId: id });
    return { node, publicKey: pair.publicKey };
  }

  /** Starts provisioning, or resumes it after a failure. */
  async provision(actorId: string, id: string): Promise<NodeRow> {
    const node = await this.get(id);
    if (!PROVISIONABLE.includes(node.status)) throw new ConflictError(`${node.name} is ${node.status}; provisioning starts from ${PROVISIONABLE.join(' or ')}.`);
    return this.startProvisioning(actorId, node, node.status);
  }

  /** Pins the host key the node presented (awaiting_host_key, or untrusted after a change) and provisions. */
  async confirmHostKey(actorId: string, id: string, fingerprint: unknown): Promise<NodeRow> {
    const fp = validateFingerprint(fingerprint);
    const node = await this.get(id);
    if (node.status !== 'awaiting_host_key' && node.status !== 'untrusted') throw new ConflictError(`${node.name} is ${node.status}; a host key is confirmed when it is awaiting_host_key or untrusted.`);
    if (fp !== node.seenHostKey) throw new ValidationError(`That is not the host key the node presented (${node.seenHostKey}).`, { field: 'host_key_fingerprint' });
    await this.deps.store.repos.nodes.update(node.id, { hostKeyFingerprint: fp });
    await this.deps.store.repos.activity.record({ orgId: null, userId: actorId, action: 'node.host_key_confirmed', details: { node_id: node.id, fingerprint: fp } });
    return this.startProvisioning(actorId, node, node.status);
  }

  async drain(actorId: string, id: string): Promise<NodeRow> {
    return this.move(actorId, id, ['ready', 'down'], 'draining', 'drain');
  }

  async activate(actorId: string, id: string): Promise<NodeRow> {
    return this.move(actorId, id, ['drained', 'draining'], 'draining', 'activate', true);
  }

  /** Queues removal (drain, leave, delete); 409 while the node runs the only replica of something. */
  async remove(actorId: string, id: string): Promise<NodeRow> {
    const node = await this.get(id);
    if (node.status === 'provisioning' || node.status === 'removing') throw new ConflictError(`${node.name} is ${node.status}; wait until it is done.`);
    if (node.swarmNodeId && (await this.swarm().get(node.swarmNodeId))) {
      const only = await this.swarm().onlyReplicaOn(node.swarmNodeId);
      if (only.length) throw new ConflictError(`${node.name} runs the only replica of ${only.join(', ')}; scale them up or drain the node first.`, { services: only });
    }
    return this.move(actorId, id, [node.status], 'removing', 'remove');
  }

  async log(id: string, after: number, limit: number) {
    const node = await this.get(id);
    return { node, lines: await this.deps.store.repos.nodes.logAfter(node.id, after, limit) };
  }

  async metrics(id: string, hours: number) {
    const node = await this.get(id);
    const from = new Date(Date.now() - hours * 3_600_000);
    return { node, from, points: await this.deps.store.repos.nodes.metrics(node.id, from) };
  }

  notifications(limit: number) {
    return this.deps.store.repos.nodes.notifications(limit);
  }

  /** Every node of the swarm as the manager sees it (the manager included). */
  swarmNodes(): Promise<SwarmNode[]> {
    return this.swarm().list();
  }

  private async startProvisioning(actorId: string, node: NodeRow, from: NodeStatus): Promise<NodeRow> {
    const row = await this.deps.store.transaction(async (repos) => {
      const moved = await repos.nodes.transition(node.id, [from], 'provisioning');
      if (!moved) throw new ConflictError(`${node.name} changed state meanwhile; try again.`);
      await repos.nodes.update(node.id, { failedStep: null });
      await repos.activity.record({ orgId: null, userId: actorId, action: 'node.provisioning', details: { node_id: node.id, resume: node.stepsDone } });
      return moved;
    });
    await this.deps.jobs.nodes({ kind: 'provision', nodeId: node.id });
    return row;
  }

  private async move(actorId: string, id: string, from: NodeStatus[], to: NodeStatus, job: 'drain' | 'activate' | 'remove', keep = false): Promise<NodeRow> {
    const node = await this.get(id);
    if (!from.includes(node.status)) throw new ConflictError(`${node.name} is ${node.status}; ${job} works on a node that is ${from.join(' or ')}.`);
    if (job !== 'remove') this.swarm();
    const row = keep ? node : await this.deps.store.repos.nodes.transition(node.id, from, to);
    if (!row) throw new ConflictError(`${node.name} changed state meanwhile; try again.`);
    await this.deps.store.repos.activity.record({ orgId: null, userId: actorId, action: `node.${job}`, details: { node_id: node.id, name: node.name } });
    await this.deps.jobs.nodes({ kind: job, nodeId: node.id });
    return row;
  }
}

function generatedPair(name: string): { privateKey: string; publicKey: string } {
  const pair = generateEd25519KeyPair(`slipway-node-${name}`);
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}

function givenPair(text: unknown, name: string): { privateKey: string; publicKey: string } {
  const rule = 'private_key must be an unencrypted SSH private key (OpenSSH or PEM format)';
  if (typeof text !== 'string' || text.length > 16_384) throw new ValidationError(`${rule}.`, { field: 'private_key' });
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new ValidationError(`${rule}${key instanceof Error && /encrypted|passphrase/i.test(key.message) ? ' (this one has a passphrase)' : ''}.`, { field: 'private_key' });
  if (!key.isPrivateKey()) throw new ValidationError(`${rule}; this is a public key.`, { field: 'private_key' });
  return { privateKey: text, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')} slipway-node-${name}` };
}
