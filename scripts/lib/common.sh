# Shared helpers for scripts/up and scripts/test. Sourced, not run.
# Every server is started as a child of the calling script, on loopback, with its state under a
# directory the caller chooses; the caller's trap stops them.

SLIPWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SLIPWAY_CACHE=${SLIPWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway}
CHILD_PIDS=()
PG_PIDS=()

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# apt packages per purpose. "base" is what ./scripts/up needs for the local runtime.
packages_for() {
  case "$1" in
    base) echo "postgresql redis-server nginx-light git openssh-client ca-certificates python3-pip" ;;
    swarm) echo "docker.io debootstrap iproute2" ;;
    test) echo "openssh-server chromium iproute2 curl pebble libnss3-tools" ;;
  esac
}

ensure_packages() {
  local missing=() p
  for p in $(for set in "$@"; do packages_for "$set"; done); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    die "missing Debian packages: ${missing[*]} — run as root, or: sudo apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]}"
  # Debian's postinst would try to start services; none are wanted (we run our own instances).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  local apt_log; apt_log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -30 "$apt_log" >&2; rm -f /usr/sbin/policy-rc.d; die "apt-get install failed"
  fi
  rm -f /usr/sbin/policy-rc.d "$apt_log"
}

file_hash() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

ensure_node_modules() {
  local want; want=$(file_hash "$SLIPWAY_ROOT/package-lock.json" "$SLIPWAY_ROOT/package.json")
  local stamp="$SLIPWAY_ROOT/node_modules/.slipway-lock-hash"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  if [ -d "$SLIPWAY_ROOT/node_modules" ]; then
    # an existing tree is updated in place (npm ci would delete it under running processes)
    say "npm install (lockfile changed)"
    (cd "$SLIPWAY_ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed"
  else
    say "npm ci"
    (cd "$SLIPWAY_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
  echo "$want" > "$stamp"
}

ensure_build() {
  say "compiling (tsc -b)"
  (cd "$SLIPWAY_ROOT" && npx tsc -b) || die "TypeScript build failed"
  local want; want=$(cd "$SLIPWAY_ROOT" && find client/src client/index.html client/vite.config.ts client/package.json -type f 2>/dev/null | sort | xargs cat 2>/dev/null | sha256sum | cut -c1-16)
  local stamp="$SLIPWAY_ROOT/client/dist/.slipway-src-hash"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "building the dashboard (vite build)"
  (cd "$SLIPWAY_ROOT" && npm run --silent build -w client >/dev/null) || die "client build failed"
  echo "$want" > "$stamp"
}

# The real Heroku CLI for the heroku-cli tier, from the npm registry, cached by version under
# $SLIPWAY_CACHE (installed into a scratch dir, then renamed: a cache entry is whole or absent).
# Exports SLIPWAY_HEROKU_CLI (its bin/run.js).
HEROKU_CLI_VERSION=11.10.0
ensure_heroku_cli() {
  local dir="$SLIPWAY_CACHE/heroku-cli/$HEROKU_CLI_VERSION" tmp
  if [ ! -f "$dir/node_modules/heroku/bin/run.js" ]; then
    say "installing heroku@$HEROKU_CLI_VERSION (the real Heroku CLI) into $dir"
    mkdir -p "$SLIPWAY_CACHE/heroku-cli"
    tmp=$(mktemp -d "$SLIPWAY_CACHE/heroku-cli/tmp.XXXXXX")
    if ! (cd "$tmp" && echo '{"private":true}' >package.json && npm install --no-audit --no-fund --loglevel=error "heroku@$HEROKU_CLI_VERSION" >/dev/null); then
      rm -rf "$tmp"; warn "npm install heroku@$HEROKU_CLI_VERSION failed"; return 1
    fi
    rm -rf "$dir"; mv "$tmp" "$dir"
  fi
  export SLIPWAY_HEROKU_CLI="$dir/node_modules/heroku/bin/run.js"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $end ] && die "$what did not come up within ${secs}s"
    sleep 0.2
  done
}

# The unprivileged user the local runtime runs app processes (dynos) as when Slipway runs as root,
# so an app cannot read the data directory (master key, other apps). No login, no home.
ensure_dyno_user() {
  is_root || return 0
  id slipway-dyno >/dev/null 2>&1 && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slipway-dyno \
    || die "could not create the slipway-dyno user"
}

# The database and the dynos run as unprivileged users: they must be able to walk into the data
# dir. Its own mode is fixed here; a private parent (e.g. a 0700 home) is reported, not changed.
ensure_traversable() {
  local dir=$1
  is_root || return 0
  chmod o+x "$dir"
  if ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$dir"; then
    die "$dir is inside a directory other users cannot enter; choose SLIPWAY_DATA_DIR elsewhere (e.g. /var/lib/slipway) or chmod o+x its parents"
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# Run a command as the database's OS user (PostgreSQL refuses to run as root). setpriv execs in
# place, so the pid we record is the server's own and our signals reach it.
as_pg_user() {
  if is_root; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

# pg_start DIR PORT — initialises (once) and starts PostgreSQL; exports PG_URL (superuser).
pg_start() {
  local dir=$1 port=$2 bin; bin=$(pg_bin)
  [ -n "$bin" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  if is_root && ! id postgres >/dev/null 2>&1; then useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres; fi
  mkdir -p "$dir"
  if is_root; then chown postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL in $dir"
    as_pg_user "$bin/initdb" -D "$dir/data" -U slipway --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null || die "initdb failed"
    mkdir -p "$dir/run"; is_root && chown postgres "$dir/run"
  fi
  if [ -f "$dir/data/postmaster.pid" ] && kill -0 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null; then
    say "PostgreSQL already running on $dir"
  else
    rm -f "$dir/data/postmaster.pid"
    # the server itself must be our child (a backgrounded function would be a subshell)
    local runas=(); is_root && runas=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    "${runas[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/run" -c listen_addresses=127.0.0.1 \
      -c fsync=${SLIPWAY_PG_FSYNC:-on} -c max_connections=300 -c shared_buffers=256MB >"$dir/postgres.log" 2>&1 &
    CHILD_PIDS+=($!)
    PG_PIDS+=($!)
  fi
  export PG_URL="postgres://slipway@127.0.0.1:$port/postgres"
  wait_for 30 PostgreSQL "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"
}

pg_ensure_db() { # pg_ensure_db PORT NAME
  local bin; bin=$(pg_bin)
  "$bin/psql" -qtA -h 127.0.0.1 -p "$1" -U slipway -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$2'" | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$1" -U slipway "$2"
}

# redis_start DIR PORT
redis_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    say "Redis already running on $dir"
  else
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --pidfile "$dir/redis.pid" --daemonize no \
      --appendonly yes --save '' --databases 64 --logfile "$dir/redis.log" &
    CHILD_PIDS+=($!)
  fi
  wait_for 15 Redis redis-cli -p "$port" ping
}

stop_children() {
  # newest first (api/worker before the servers they use); PostgreSQL gets SIGINT, its fast
  # shutdown (SIGTERM would wait for every client to leave)
  local i pid sig end
  for ((i = ${#CHILD_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CHILD_PIDS[$i]}
    sig=TERM
    [[ " ${PG_PIDS[*]:-} " == *" $pid "* ]] && sig=INT
    kill -"$sig" "$pid" 2>/dev/null || continue
    end=$((SECONDS + 45))
    while kill -0 "$pid" 2>/dev/null; do
      [ $SECONDS -ge $end ] && { kill -KILL "$pid" 2>/dev/null || true; break; }
      sleep 0.1
    done
  done
  CHILD_PIDS=()
}
