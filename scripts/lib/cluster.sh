# Local test machines for the cluster: a swarm manager and N nodes on one machine, each in its own
# network, mount and UTS namespaces (DESIGN.md §8), for the cluster tier of scripts/test and for
# `SLIPWAY_DEV_NODES=N ./scripts/up`. Sourced after common.sh, not run. Functions:
#   cluster_start DIR N  a bridge on a free private /24 (10.213.X.0/24; the host is .1), the manager
#                        machine (.2) running its own dockerd, initialised as a swarm manager that
#                        advertises .2, and N node machines (.11, .12, …) running only sshd (Docker
#                        is installed host-wide but not started: provisioning starts it). Exports
#                        SLIPWAY_DOCKER_HOST/DOCKER_HOST (the manager's socket, reachable from the
#                        host), SLIPWAY_DOCKER_CERTS_DIR (the manager's /etc/docker/certs.d, seen from
#                        the host), SLIPWAY_CLUSTER_DIR, SLIPWAY_CLUSTER_HOST_IP (where machines reach
#                        this host: the api, slugs), SLIPWAY_CLUSTER_MANAGER_IP and
#                        SLIPWAY_CLUSTER_NODES ("name=ip" words). Node N's sshd accepts the keys in
#                        DIR/<name>/authorized_keys as root; DIR/id_ed25519 is a key it already accepts.
#   cluster_stop         end every process of every machine (found by its mount namespace, never by
#                        name), delete the namespaces, interfaces and iptables rules, and DIR.
# A machine is a keeper process (`unshare --mount --uts` inside `nsenter --net`) that bind-mounts
# the machine's own directories over /run, /var/lib/docker, /etc/docker and /var/log; its daemons are
# started with `nsenter -t <keeper>` (never `ip netns exec`, which remounts /sys). Names carry a random
# id and the /24 is chosen under a lock, so concurrent runs do not collide.

CLUSTER_LOCK_FILE=/run/lock/slipway-cluster.lock
CLUSTER_DIR=
CLUSTER_ID=
CLUSTER_BRIDGE=
CLUSTER_SUBNET=
CLUSTER_MACHINES=()

cl_ns() { echo "slwc$CLUSTER_ID-$1"; }                    # network namespace of machine NAME
cl_keeper() { cat "$CLUSTER_DIR/$1/keeper.pid" 2>/dev/null; }
cl_in() { local m=$1; shift; nsenter -t "$(cl_keeper "$m")" --net --mount --uts -- "$@"; }

cluster_start() {
  local dir=$1 count=$2 i x
  command -v sshd >/dev/null || ensure_packages test
  command -v dockerd >/dev/null && command -v ip >/dev/null && command -v iptables >/dev/null || ensure_packages swarm
  CLUSTER_DIR=$(mkdir -p "$dir" && cd "$dir" && pwd)
  [ ${#CLUSTER_DIR} -lt 70 ] || die "cluster directory path too long for unix sockets: $CLUSTER_DIR"
  CLUSTER_ID=$(od -An -N2 -tx2 /dev/urandom | tr -d ' \n')
  CLUSTER_BRIDGE="slwc$CLUSTER_ID"
  mkdir -p "$(dirname "$CLUSTER_LOCK_FILE")"
  exec {CLUSTER_LOCK_FD}>"$CLUSTER_LOCK_FILE"
  flock -w 60 "$CLUSTER_LOCK_FD" || die "could not take $CLUSTER_LOCK_FILE"
  for _ in $(seq 1 50); do
    x=$((64 + RANDOM % 190))
    ip -4 -o addr show | grep -q " 10\.213\.$x\." || ip -4 route | grep -q "10\.213\.$x\." || { CLUSTER_SUBNET="10.213.$x"; break; }
  done
  [ -n "$CLUSTER_SUBNET" ] || die "no free 10.213.X.0/24 for the cluster"
  ip link add "$CLUSTER_BRIDGE" type bridge && ip addr add "$CLUSTER_SUBNET.1/24" dev "$CLUSTER_BRIDGE" \
    && ip link set "$CLUSTER_BRIDGE" up || die "could not create the cluster bridge"
  echo "$CLUSTER_BRIDGE $CLUSTER_SUBNET" >"$CLUSTER_DIR/network"
  exec {CLUSTER_LOCK_FD}>&-
  cluster_iptables add
  say "cluster network $CLUSTER_SUBNET.0/24 on $CLUSTER_BRIDGE"

  ssh-keygen -q -t ed25519 -N '' -C slipway-cluster -f "$CLUSTER_DIR/id_ed25519" || die "ssh-keygen failed"
  machine_start mgr "$CLUSTER_SUBNET.2"
  manager_dockerd_start
  local nodes=()
  for ((i = 1; i <= count; i++)); do
    machine_start "node$i" "$CLUSTER_SUBNET.$((10 + i))"
    machine_sshd_start "node$i" "$CLUSTER_SUBNET.$((10 + i))"
    nodes+=("node$i=$CLUSTER_SUBNET.$((10 + i))")
  done
  export SLIPWAY_CLUSTER_DIR="$CLUSTER_DIR" SLIPWAY_CLUSTER_HOST_IP="$CLUSTER_SUBNET.1" \
    SLIPWAY_CLUSTER_MANAGER_IP="$CLUSTER_SUBNET.2" SLIPWAY_CLUSTER_NODES="${nodes[*]}" \
    SLIPWAY_DOCKER_HOST="unix://$CLUSTER_DIR/mgr/docker.sock" DOCKER_HOST="unix://$CLUSTER_DIR/mgr/docker.sock" \
    SLIPWAY_DOCKER_CERTS_DIR="$CLUSTER_DIR/mgr/etc-docker/certs.d"
}

# Forwarding for the bridge: between machines, and from machines to this host's resolvers and to
# public addresses (builds reach the npm registry), never to other private addresses beyond this host.
cluster_iptables() { # cluster_iptables add|del
  local chain="SLWC-$CLUSTER_ID" op=$1 net ns proto
  if [ "$op" = add ]; then
    iptables -N "$chain" || die "could not create iptables chain $chain"
    iptables -A "$chain" -o "$CLUSTER_BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    iptables -A "$chain" -i "$CLUSTER_BRIDGE" -o "$CLUSTER_BRIDGE" -j ACCEPT
    for ns in $(awk '$1=="nameserver" {print $2}' /etc/resolv.conf | grep -E '^[0-9.]+$'); do
      for proto in udp tcp; do iptables -A "$chain" -i "$CLUSTER_BRIDGE" -d "$ns" -p "$proto" --dport 53 -j ACCEPT; done
    done
    for net in 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 169.254.0.0/16; do
      iptables -A "$chain" -i "$CLUSTER_BRIDGE" -d "$net" -j REJECT
    done
    iptables -A "$chain" -i "$CLUSTER_BRIDGE" -j ACCEPT
    iptables -I FORWARD 1 -j "$chain"
    iptables -t nat -I POSTROUTING 1 -s "$CLUSTER_SUBNET.0/24" ! -o "$CLUSTER_BRIDGE" -j MASQUERADE
  else
    iptables -D FORWARD -j "$chain" 2>/dev/null || true
    { iptables -F "$chain" && iptables -X "$chain"; } 2>/dev/null || true
    iptables -t nat -D POSTROUTING -s "$CLUSTER_SUBNET.0/24" ! -o "$CLUSTER_BRIDGE" -j MASQUERADE 2>/dev/null || true
  fi
  return 0
}

# machine_start NAME IP — the namespaces, the veth pair (eth0 inside) and the keeper
machine_start() {
  local name=$1 addr=$2 ns; ns=$(cl_ns "$1")
  local d="$CLUSTER_DIR/$name" host_if="slwc$CLUSTER_ID${name:0:1}${name//[!0-9]/}"
  mkdir -p "$d"/{run,lib-docker,etc-docker,log}
  CLUSTER_MACHINES+=("$name")
  ip netns add "$ns" || die "could not create network namespace $ns"
  ip link add "$host_if" type veth peer name eth0 netns "$ns" || die "could not create the veth pair for $name"
  ip link set "$host_if" master "$CLUSTER_BRIDGE" up
  nsenter --net="/run/netns/$ns" ip addr add "$addr/24" dev eth0
  nsenter --net="/run/netns/$ns" ip link set eth0 up
  nsenter --net="/run/netns/$ns" ip link set lo up
  nsenter --net="/run/netns/$ns" ip route add default via "$CLUSTER_SUBNET.1"
  cat >"$d/keeper.sh" <<KEEPER
#!/bin/sh
# the machine's own view: copies of other engines' mounts are dropped, then its own directories
findmnt -rn -o TARGET | grep -E '^/run/(netns|docker)/|/overlay2/[^/]+/merged\$|/containers/[^/]+/mounts/shm\$' | sort -r \\
  | while read -r m; do umount -l "\$m" 2>/dev/null; done
mount --bind "$d/run" /run && mount --bind "$d/lib-docker" /var/lib/docker \\
  && mount --bind "$d/etc-docker" /etc/docker && mount --bind "$d/log" /var/log || exit 1
mkdir -p /run/sshd /run/lock && chmod 0755 /run/sshd
hostname "slw-$name"
touch /run/.machine-ready
exec sleep infinity
KEEPER
  chmod 0755 "$d/keeper.sh"
  mkdir -p /var/lib/docker /etc/docker
  nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private "$d/keeper.sh" </dev/null >"$d/keeper.log" 2>&1 &
  echo $! >"$d/keeper.pid"
  disown $! # cluster_stop ends it (the shell need not report it)
  local end=$((SECONDS + 20))
  until [ -f "$d/run/.machine-ready" ]; do
    kill -0 "$(cl_keeper "$name")" 2>/dev/null || { cat "$d/keeper.log" >&2; die "machine $name did not start"; }
    [ $SECONDS -ge $end ] && die "machine $name did not start within 20s"
    sleep 0.1
  done
}

machine_sshd_start() { # machine_sshd_start NAME IP
  local name=$1 addr=$2 d="$CLUSTER_DIR/$1"
  ssh-keygen -q -t ed25519 -N '' -C "slw-$name" -f "$d/ssh_host_ed25519_key" || die "ssh-keygen failed"
  cp "$CLUSTER_DIR/id_ed25519.pub" "$d/authorized_keys"
  cat >"$d/sshd_config" <<SSHD
ListenAddress $addr
Port 22
HostKey $d/ssh_host_ed25519_key
AuthorizedKeysFile $d/authorized_keys
PidFile /run/sshd.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
SSHD
  cl_in "$name" /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || die "sshd did not start on $name"
  local end=$((SECONDS + 10))
  until [ -f "$d/run/sshd.pid" ]; do [ $SECONDS -ge $end ] && die "sshd on $name wrote no pid file"; sleep 0.1; done
}

manager_dockerd_start() {
  local d="$CLUSTER_DIR/mgr" host="unix://$CLUSTER_DIR/mgr/docker.sock"
  cl_in mgr dockerd -H unix:///var/run/docker.sock -H "$host" --pidfile /run/docker.pid --log-level warn \
    </dev/null >>"$d/dockerd.log" 2>&1 &
  disown $!
  local end=$((SECONDS + 60))
  until engine_answers "$host"; do
    [ $SECONDS -ge $end ] && { tail -20 "$d/dockerd.log" >&2; die "the manager's dockerd did not start"; }
    sleep 0.2
  done
  docker -H "$host" swarm init --advertise-addr "$CLUSTER_SUBNET.2" >/dev/null || die "swarm init on the manager failed"
  DOCKER_HOST=$host swarm_gwbridge
  say "cluster manager: dockerd $(docker -H "$host" version --format '{{.Server.Version}}') at $host, swarm advertised on $CLUSTER_SUBNET.2"
}

# Pids whose mount namespace is the machine's (its keeper, daemons, containerd, shims, containers).
machine_pids() { # machine_pids MNT-NS-LINK
  local want=$1 p
  [ -n "$want" ] || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" != "$want" ] || echo "${p#/proc/}"
  done
}

machine_stop() {
  local name=$1 d="$CLUSTER_DIR/$1" pid pids end mnt
  mnt=$(readlink "/proc/$(cl_keeper "$name")/ns/mnt" 2>/dev/null) || mnt=
  # dockerd first, gracefully (it stops its containers), then everything else in the machine
  for pid in $(cat "$d/run/docker.pid" "$d/run/slipway-dockerd.pid" 2>/dev/null || true); do kill -TERM "$pid" 2>/dev/null || true; done
  end=$((SECONDS + 20))
  while [ -n "$(for pid in $(cat "$d/run/docker.pid" "$d/run/slipway-dockerd.pid" 2>/dev/null || true); do kill -0 "$pid" 2>/dev/null && echo x; done)" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
  pids=$(machine_pids "$mnt")
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  end=$((SECONDS + 10))
  while [ -n "$(machine_pids "$mnt")" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
  ip netns del "$(cl_ns "$name")" 2>/dev/null || true
}

# Safe under `set -e` (scripts/up): nothing it undoes may be missing already.
cluster_stop() {
  [ -n "$CLUSTER_DIR" ] || return 0
  local m
  for m in "${CLUSTER_MACHINES[@]}"; do machine_stop "$m"; done
  ip link del "$CLUSTER_BRIDGE" 2>/dev/null || true
  cluster_iptables del
  rm -rf "$CLUSTER_DIR"
  CLUSTER_DIR=
}
