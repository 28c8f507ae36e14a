# Docker helpers for scripts/up (SLIPWAY_RUNTIME=swarm) and the swarm tier of scripts/test.
# Sourced after common.sh, not run. Functions:
#   docker_start DIR  use an engine that answers (SLIPWAY_DOCKER_HOST, else the default socket);
#                     otherwise install docker.io if missing and start a private dockerd with its
#                     state under DIR. Exports SLIPWAY_DOCKER_HOST (and DOCKER_HOST for the CLI).
#                     (The network guard for containers is the worker's: docker-egress-guard.ts.)
#   swarm_init        make the engine a one-node swarm manager (idempotent).
#   images_build      build slipway/stack, slipway/builder, slipway/edge and slipway/registry from
#                     Debian packages when the engine lacks their tag (a hash of infra/images/**);
#                     rootfs tarballs are cached under $SLIPWAY_CACHE/images so a new engine only
#                     imports them. Exports SLIPWAY_{STACK,BUILDER,EDGE,REGISTRY}_IMAGE.
#   docker_stop       (scripts/test) leave the swarm, stop the private engine, remove its mounts,
#                     network namespaces, interfaces and iptables chains. An engine that was already
#                     running is left alone.
# Only one private engine runs per machine (the bridge and iptables names are global): a second
# caller reuses the running one, found through $DOCKER_SHARED_FILE, and never stops it.

DOCKER_LOCK_FILE=/run/lock/slipway-dockerd.lock
DOCKER_SHARED_FILE=/run/lock/slipway-dockerd.host
# (sourced again by a later tier, the engine this shell started stays this shell's to stop)
DOCKER_OWNED=${DOCKER_OWNED:-0}
DOCKER_DIR=${DOCKER_DIR:-}
DOCKER_PID=${DOCKER_PID:-}

engine_answers() { docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

docker_start() {
  local dir=$1 host
  command -v docker >/dev/null && command -v dockerd >/dev/null || ensure_packages swarm
  for host in "${SLIPWAY_DOCKER_HOST:-}" unix:///var/run/docker.sock; do
    [ -n "$host" ] || continue
    if engine_answers "$host"; then
      say "using the Docker engine at $host"
      export SLIPWAY_DOCKER_HOST=$host DOCKER_HOST=$host
      return 0
    fi
  done
  mkdir -p "$(dirname "$DOCKER_LOCK_FILE")"
  exec {DOCKER_LOCK_FD}>"$DOCKER_LOCK_FILE"
  if ! flock -n "$DOCKER_LOCK_FD"; then
    host=$(cat "$DOCKER_SHARED_FILE" 2>/dev/null || true)
    if [ -n "$host" ] && engine_answers "$host"; then
      say "using the private Docker engine another Slipway script started ($host)"
      exec {DOCKER_LOCK_FD}>&-
      export SLIPWAY_DOCKER_HOST=$host DOCKER_HOST=$host
      return 0
    fi
    say "waiting for another Slipway script's Docker engine to stop"
    flock -w 120 "$DOCKER_LOCK_FD" || die "another private dockerd holds $DOCKER_LOCK_FILE"
  fi
  docker_host_sweep
  DOCKER_DIR=$(mkdir -p "$dir" && cd "$dir" && pwd)
  host="unix://$DOCKER_DIR/docker.sock"
  [ ${#DOCKER_DIR} -lt 80 ] || die "docker state directory path too long for a unix socket: $DOCKER_DIR"
  say "starting a private dockerd in $DOCKER_DIR"
  rm -f "$DOCKER_DIR/docker.sock" "$DOCKER_DIR/docker.pid"
  # --no-new-privileges: no container gains privileges through setuid programs (services on older
  # engines cannot ask for it themselves)
  dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" -H "$host" --no-new-privileges \
    --pidfile "$DOCKER_DIR/docker.pid" --log-level warn >>"$DOCKER_DIR/dockerd.log" 2>&1 &
  DOCKER_PID=$!
  CHILD_PIDS+=("$DOCKER_PID")
  DOCKER_OWNED=1
  local end=$((SECONDS + 60))
  until engine_answers "$host"; do
    if ! kill -0 "$DOCKER_PID" 2>/dev/null || [ $SECONDS -ge $end ]; then
      tail -20 "$DOCKER_DIR/dockerd.log" >&2
      die "dockerd did not start (log: $DOCKER_DIR/dockerd.log)"
    fi
    sleep 0.2
  done
  echo "$host" >"$DOCKER_SHARED_FILE"
  export SLIPWAY_DOCKER_HOST=$host DOCKER_HOST=$host
  say "Docker engine $(docker version --format '{{.Server.Version}}') at $host"
}

swarm_init() {
  local state; state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  case $state in
    active) ;;
    inactive) say "initialising a one-node swarm"
      docker swarm init --advertise-addr 127.0.0.1 >/dev/null || die "docker swarm init failed" ;;
    *) die "the engine's swarm is in state '$state'; fix it by hand (docker swarm leave --force)" ;;
  esac
  swarm_gwbridge
}

# dockerd creates docker_gwbridge (the bridge through which overlay containers reach this machine)
# a moment after `swarm init`, asynchronously; callers need it at once (its gateway is the host's
# address for containers). Wait for it, and create it the documented way if the engine did not.
# Runs for a swarm that was already active too (an engine given from outside, just initialised).
swarm_gwbridge() {
  local end=$((SECONDS + 20))
  until docker network inspect docker_gwbridge >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then
      warn "docker_gwbridge did not appear after swarm init; creating it"
      docker network create --driver bridge --scope local \
        --opt com.docker.network.bridge.name=docker_gwbridge \
        --opt com.docker.network.bridge.enable_icc=false \
        --opt com.docker.network.bridge.enable_ip_masquerade=true \
        docker_gwbridge >/dev/null || { [ -n "$DOCKER_DIR" ] && tail -20 "$DOCKER_DIR/dockerd.log" >&2; die "could not create docker_gwbridge"; }
      break
    fi
    sleep 0.2
  done
}

# --- images ------------------------------------------------------------------------------------
IMAGES_DIR="$SLIPWAY_ROOT/infra/images"
DEBIAN_MIRROR=${SLIPWAY_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The machine's own extra CA certificates (a TLS-inspecting proxy, a corporate CA) go into the
# images too, so builds reach the npm registry the way this machine does; they are part of the tag.
HOST_CA_DIR=${SLIPWAY_HOST_CA_DIR:-/usr/local/share/ca-certificates}

recipe_hash() { # recipe_hash NAME... — hash of the recipe directories' paths and contents
  {
    (cd "$IMAGES_DIR" && find "$@" -type f | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done)
    find "$HOST_CA_DIR" -name '*.crt' -type f 2>/dev/null | LC_ALL=C sort | xargs -r cat
  } | sha256sum | cut -c1-16
}

list_of() { grep -vE '^\s*(#|$)' "$1" | tr '\n' ' '; }

# The recipes an image is made of, base first: builder is the stack plus its own; the others stand alone.
image_layers() { case $1 in builder) echo "stack builder" ;; *) echo "$1" ;; esac; }

# image_rootfs NAME TARBALL — debootstrap + each layer's files, npm packages and setup.sh (in a
# chroot); writes TARBALL (tar of the rootfs)
image_rootfs() {
  local name=$1 out=$2 work pkgs='' layer
  work=$(mktemp -d "$SLIPWAY_CACHE/images/work.XXXXXX")
  for layer in $(image_layers "$name"); do pkgs="$pkgs $(list_of "$IMAGES_DIR/$layer/packages")"; done
  mkdir -p "$SLIPWAY_CACHE/images/debs"
  say "debootstrap $name:$pkgs"
  if ! debootstrap --variant=minbase --cache-dir="$SLIPWAY_CACHE/images/debs" --include="$(echo $pkgs | tr ' ' ',')" \
      bookworm "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -30 "$work/debootstrap.log" >&2; image_work_rm "$work"; die "debootstrap failed for $name"
  fi
  mkdir -p "$work/rootfs/usr/local/share/ca-certificates"
  find "$HOST_CA_DIR" -name '*.crt' -type f -exec cp {} "$work/rootfs/usr/local/share/ca-certificates/" \; 2>/dev/null || true
  for layer in $(image_layers "$name"); do
    [ -d "$IMAGES_DIR/$layer/rootfs" ] && cp -a "$IMAGES_DIR/$layer/rootfs/." "$work/rootfs/"
    if [ -f "$IMAGES_DIR/$layer/npm-packages" ]; then
      local spec pkgname
      for spec in $(list_of "$IMAGES_DIR/$layer/npm-packages"); do
        pkgname=${spec%@*}
        say "npm pack $spec"
        (cd "$work" && npm pack --silent "$spec" >"$work/packed.txt") || { image_work_rm "$work"; die "npm pack $spec failed"; }
        mkdir -p "$work/rootfs/usr/local/lib/$pkgname"
        tar -xzf "$work/$(tail -1 "$work/packed.txt")" -C "$work/rootfs/usr/local/lib/$pkgname" --strip-components 1 --no-same-owner
      done
    fi
    cp "$IMAGES_DIR/$layer/setup.sh" "$work/rootfs/tmp/setup-$layer.sh"
    chroot "$work/rootfs" /bin/sh "/tmp/setup-$layer.sh" || { image_work_rm "$work"; die "$layer setup.sh failed"; }
  done
  rm -f "$work/rootfs/tmp/"setup-*.sh
  tar -C "$work/rootfs" --numeric-owner -cf "$out.tmp" . && mv "$out.tmp" "$out"
  image_work_rm "$work"
}

image_work_rm() { # unmount anything debootstrap left mounted, then remove the work directory
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$1/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$1"
}

# image_ensure NAME TAG — make NAME:TAG exist in the engine
image_ensure() {
  local name=$1 tag=$2 ref="slipway/$1:$2" tarball="$SLIPWAY_CACHE/images/$1-$2.tar" t0=$SECONDS
  if docker image inspect "$ref" >/dev/null 2>&1; then
    say "image $ref present (0s)"; return 0
  fi
  if [ ! -f "$tarball" ]; then
    say "building $ref from Debian packages"
    image_rootfs "$name" "$tarball"
  fi
  local changes=() line
  while IFS= read -r line; do [ -n "$line" ] && changes+=(--change "$line"); done <"$IMAGES_DIR/$name/changes"
  docker import "${changes[@]}" "$tarball" "$ref" >/dev/null || die "docker import $ref failed"
  docker tag "$ref" "slipway/$name:latest"
  say "image $ref ready in $((SECONDS - t0))s ($(du -h "$tarball" | cut -f1) rootfs)"
}

# images_build [NAME...] — default: stack builder edge registry (the edge and the registry are the
# swarm's own services: the nginx edge and the private registry every node pulls from)
images_build() {
  local t0=$SECONDS name tag keep=() names=("$@") var
  [ ${#names[@]} -gt 0 ] || names=(stack builder edge registry)
  mkdir -p "$SLIPWAY_CACHE/images"
  command -v debootstrap >/dev/null || ensure_packages swarm
  exec {IMAGES_LOCK_FD}>"$SLIPWAY_CACHE/images/.lock"
  flock -w 900 "$IMAGES_LOCK_FD" || die "another script is building images ($SLIPWAY_CACHE/images/.lock)"
  for name in "${names[@]}"; do
    tag=$(recipe_hash $(image_layers "$name"))
    image_ensure "$name" "$tag"
    touch -c "$SLIPWAY_CACHE/images/$name-$tag.tar" # used now (see below)
    keep+=(! -name "$name-$tag.tar")
    var="SLIPWAY_$(echo "$name" | tr '[:lower:]' '[:upper:]')_IMAGE"
    export "$var=slipway/$name:$tag"
  done
  # keep the cache to the current recipes of the images named here, and to others used within two
  # days (several checkouts of different recipes share the cache and must not delete each other's)
  for name in "${names[@]}"; do
    find "$SLIPWAY_CACHE/images" -maxdepth 1 -name "$name-*.tar" "${keep[@]}" -mtime +1 -delete
  done
  exec {IMAGES_LOCK_FD}>&-
  say "images ready in $((SECONDS - t0))s: $(for name in "${names[@]}"; do printf 'slipway/%s ' "$name"; done)"
}

# --- stop ----------------------------------------------------------------------------------------
docker_stop() {
  if [ "$DOCKER_OWNED" != 1 ]; then
    local left
    left=$(docker ps -aq --filter label=slipway.managed=true 2>/dev/null | wc -l)
    [ "$left" = 0 ] || warn "$left containers labelled slipway.managed=true remain on $SLIPWAY_DOCKER_HOST"
    return 0
  fi
  local dir=$DOCKER_DIR host="unix://$DOCKER_DIR/docker.sock" pid
  if engine_answers "$host"; then docker -H "$host" swarm leave --force >/dev/null 2>&1 || true; fi
  pid=$(cat "$dir/docker.pid" 2>/dev/null || echo "$DOCKER_PID")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + 40))
    while kill -0 "$pid" 2>/dev/null; do
      [ $SECONDS -ge $end ] && { kill -KILL "$pid" 2>/dev/null || true; break; }
      sleep 0.2
    done
  fi
  # containerd and shims the engine started (found by their state path, killed by pid)
  local p
  for p in /proc/[0-9]*; do
    grep -qaF "$dir/" "$p/cmdline" 2>/dev/null && kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  sleep 0.5
  local m
  # (a path can hold stacked mounts, e.g. a network namespace bound twice: unmount until none is left)
  for _ in 1 2 3; do
    for m in $(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  done
  docker_host_sweep
  rm -f "$DOCKER_SHARED_FILE"
  # (a redirection beside `exec` would stay for the rest of the script: the fd is closed alone)
  if [ -n "${DOCKER_LOCK_FD:-}" ]; then exec {DOCKER_LOCK_FD}>&-; fi
  rm -rf "$dir"
  DOCKER_OWNED=0
}

# What a private engine leaves on the host once it is gone: network namespaces bound under its exec
# root (or /run/docker/netns), bridges and veths, iptables chains. docker_stop sweeps after its own
# engine; docker_start sweeps before starting one (it holds the lock and no engine answered), for
# an engine that was killed or never stopped.
docker_host_sweep() {
  local m state pid link
  for m in $(findmnt -rn -t nsfs -o TARGET | grep -E '/exec/netns/[^/]+$' | sort -r); do
    state=${m%/exec/netns/*}
    pid=$(cat "$state/docker.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
    umount -l "$m" 2>/dev/null || true
  done
  for m in $(findmnt -rn -o TARGET | grep -E '^/run/docker/netns/' | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf /run/docker/netns 2>/dev/null || true
  rmdir /run/docker/plugins /run/docker 2>/dev/null || true
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(docker0|docker_gwbridge|veth[0-9a-f]+|br-[0-9a-f]{12})$'); do
    ip link delete "$link" 2>/dev/null || true
  done
  docker_iptables_clean
}

docker_iptables_clean() { # remove the chains and jump rules dockerd created
  command -v iptables >/dev/null || return 0
  local table chain rule
  for table in filter nat; do
    iptables -t "$table" -S 2>/dev/null | grep -E '^-A .*-j DOCKER' | while read -r rule; do
      # shellcheck disable=SC2086
      iptables -t "$table" ${rule/-A/-D} 2>/dev/null || true
    done
    iptables -t "$table" -S 2>/dev/null | grep -E '^-A .*(docker0|docker_gwbridge)' | while read -r rule; do
      # shellcheck disable=SC2086
      iptables -t "$table" ${rule/-A/-D} 2>/dev/null || true
    done
    # and the worker's guard for containers (docker-egress-guard.ts) on this engine's bridges
    iptables -t "$table" -S 2>/dev/null | grep -E '^-A .*-j SLW-CONTAINERS$' | while read -r rule; do
      # shellcheck disable=SC2086
      iptables -t "$table" ${rule/-A/-D} 2>/dev/null || true
    done
    { iptables -t "$table" -F SLW-CONTAINERS && iptables -t "$table" -X SLW-CONTAINERS; } 2>/dev/null || true
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}
