// The network fence around the containers of a Docker engine (swarm runtime), set up by the worker
// when it starts, on whichever engine it talks to (SLIPWAY_DOCKER_HOST included), and by node
// provisioning on every node it joins (guardRunArgv, run over SSH): a short-lived
// container of the stack image, on the engine host's network with NET_ADMIN, writes iptables rules
// there (iptables-nft or iptables-legacy, whichever holds Docker's own chains):
// - DOCKER-USER: containers may not send to private, carrier-grade NAT or link-local addresses
//   (the cloud metadata address) beyond the host through its uplink; the host's DNS resolvers stay
//   reachable. Without it, a packet to another organization's overlay address, or to the machine's
//   neighbours, would leave by the default route.
// - INPUT (chain SLW-CONTAINERS): containers may not open connections to the platform's own ports
//   on the host (PostgreSQL, Redis), even when those listen beyond loopback.
// Promises: apply() is idempotent; remove() takes out only the INPUT rules for its ports (the
// egress rules are the same for every installation and stay).
// Leaves out: containers' traffic between each other (one overlay network per organization).
import { isIP } from 'node:net';
import type Docker from 'dockerode';
import { UpstreamError } from '../../errors.js';
import { LABEL_MANAGED } from '../../naming.js';
import { demuxLines } from './docker-stream.js';

export interface ApiAddress {
  ip: string;
  port: number;
}

export interface DockerEgressGuardSpec {
  docker: Docker;
  /** The stack image (it carries iptables). */
  image: string;
  /** TCP ports of the platform's services that containers must not reach on the host. */
  platformPorts: number[];
  /** The api's address (IPv4 and port) if containers reach it beyond the host (a cluster), looked
   *  up each time the guard is applied (the api's name may resolve anew). */
  api?: () => Promise<ApiAddress | undefined>;
}

/** The guard's shell script: `sh -c GUARD slipway-guard apply|remove PORT…` as root on the engine's host network. */
export const GUARD = String.raw`
set -eu
mode=$1; shift
if iptables-nft -S DOCKER-USER >/dev/null 2>&1; then ipt=iptables-nft
elif iptables-legacy -S DOCKER-USER >/dev/null 2>&1; then ipt=iptables-legacy
else echo "the engine's host has no DOCKER-USER chain (is this Docker's network namespace?)" >&2; exit 3; fi
add() { chain=$1; shift; $ipt -w -C "$chain" "$@" 2>/dev/null || $ipt -w -I "$chain" "$@"; }
$ipt -w -N SLW-CONTAINERS 2>/dev/null || true
if [ "$mode" = remove ]; then
  for port; do $ipt -w -D SLW-CONTAINERS -p tcp --dport "$port" -j REJECT --reject-with tcp-reset 2>/dev/null || true; done
  exit 0
fi
uplink=$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route)
if [ -n "$uplink" ]; then
  for net in 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16; do
    add DOCKER-USER -o "$uplink" -d "$net" -j REJECT
  done
  for ns in $(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2 }' /etc/resolv.conf); do
    for proto in udp tcp; do add DOCKER-USER -o "$uplink" -d "$ns" -p "$proto" --dport 53 -j RETURN; done
  done
  # the platform's api where tasks fetch slugs and the edge its table (another machine in a cluster)
  if [ -n "$SLW_API_IP" ]; then add DOCKER-USER -o "$uplink" -d "$SLW_API_IP" -p tcp --dport "$SLW_API_PORT" -j RETURN; fi
  # answers to connections made to published ports (the registry, the edge) by other machines
  add DOCKER-USER -o "$uplink" -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
fi
for port; do
  $ipt -w -C SLW-CONTAINERS -p tcp --dport "$port" -j REJECT --reject-with tcp-reset 2>/dev/null \
    || $ipt -w -A SLW-CONTAINERS -p tcp --dport "$port" -j REJECT --reject-with tcp-reset
done
for bridge in docker_gwbridge docker0 'br-+'; do add INPUT -i "$bridge" -m conntrack --ctstate NEW -j SLW-CONTAINERS; done
echo guarded
`;

/** The guard's environment: the api's address containers may reach (IPv4 only), or none. */
export function guardEnv(api: ApiAddress | undefined): string[] {
  return api && isIP(api.ip) === 4 && Number.isInteger(api.port) ? [`SLW_API_IP=${api.ip}`, `SLW_API_PORT=${api.port}`] : ['SLW_API_IP=', 'SLW_API_PORT='];
}

/** The same guard on a node, as a `docker run` argv (provisioning runs it over SSH); no platform
 *  ports (the platform's services are not on nodes). */
export function guardRunArgv(image: string, api: ApiAddress | undefined): string[] {
  return [
    'docker', 'run', '--rm', '--network', 'host', '--user', '0:0', '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--cap-add', 'NET_RAW',
    '--security-opt', 'no-new-privileges', '--label', `${LABEL_MANAGED}=true`, '--label', 'slipway.kind=egress-guard',
    ...guardEnv(api).flatMap((e) => ['--env', e]), '--entrypoint', '/bin/sh', '--', image, '-c', GUARD, 'slipway-guard', 'apply',
  ];
}

export class DockerEgressGuard {
  private applied: Promise<void> | null = null;

  constructor(private readonly spec: DockerEgressGuardSpec) {}

  apply(): Promise<void> {
    this.applied ??= this.run('apply').catch((err: unknown) => {
      this.applied = null;
      throw err;
    });
    return this.applied;
  }

  async remove(): Promise<void> {
    if (!this.applied) return;
    this.applied = null;
    await this.run('remove');
  }

  private async run(mode: 'apply' | 'remove'): Promise<void> {
    const ports = this.spec.platformPorts.filter((p) => Number.isInteger(p) && p > 0 && p < 65536).map(String);
    const container = await this.spec.docker.createContainer({
      Image: this.spec.image,
      Entrypoint: ['/bin/sh', '-c', GUARD, 'slipway-guard'],
      Cmd: [mode, ...ports],
      Env: guardEnv(await this.spec.api?.()),
      User: '0:0',
      Labels: { [LABEL_MANAGED]: 'true', 'slipway.kind': 'egress-guard' },
      HostConfig: { NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: ['NET_ADMIN', 'NET_RAW'], SecurityOpt: ['no-new-privileges'] },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const lines: string[] = [];
      const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      for await (const l of demuxLines((async function* () { yield logs; })())) lines.push(l.line);
      const out = lines.join('\n').trim();
      if (StatusCode !== 0) throw new UpstreamError(`could not ${mode} the containers' network guard on the engine's host: ${out.split('\n').slice(-2).join(' ') || `exit ${StatusCode}`}`);
    } finally {
      await container.remove({ force: true }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
    }
  }
}
