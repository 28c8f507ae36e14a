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
    base) echo "postgresql redis-server nginx-light git openssh-client ca-certificates python3-pip bubblewrap iptables" ;;
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

# The real Heroku CLI for the heroku-cli tier, from the npm registry: e2e/heroku-cli/cli pins it
# (package.json + package-lock.json), installed with `npm ci` into $SLIPWAY_CACHE/heroku-cli/<hash
# of those two files> (in a scratch dir, then renamed: an entry is whole or absent), so a second
# run reuses it and a changed pin installs anew. Exports SLIPWAY_HEROKU_CLI (its bin/run.js).
ensure_heroku_cli() {
  local src="$SLIPWAY_ROOT/e2e/heroku-cli/cli" key dir tmp
  key=$(file_hash "$src/package.json" "$src/package-lock.json")
  dir="$SLIPWAY_CACHE/heroku-cli/$key"
  if [ ! -f "$dir/.slipway-complete" ]; then
    say "installing the Heroku CLI ($(node -p 'require(process.argv[1]).dependencies.heroku' "$src/package.json"), npm ci) into $dir"
    mkdir -p "$SLIPWAY_CACHE/heroku-cli"
    tmp=$(mktemp -d "$SLIPWAY_CACHE/heroku-cli/tmp.XXXXXX")
    cp "$src/package.json" "$src/package-lock.json" "$tmp/"
    if ! (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      rm -rf "$tmp"; warn "npm ci of the Heroku CLI failed"; return 1
    fi
    touch "$tmp/.slipway-complete"
    rm -rf "$dir"; mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # a concurrent run may have won
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

# The database and the sandboxes of builds and dynos (each app's own uid) must be able to walk into
# the data dir. Its own mode is fixed here; a private parent (e.g. a 0700 home) is reported, not changed.
ensure_traversable() {
  local dir=$1
  is_root || return 0
  chmod o+x "$dir"
  if ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$dir"; then
    die "$dir is inside a directory other users cannot enter; choose SLIPWAY_DATA_DIR elsewhere (e.g. /var/lib/slipway) or chmod o+x its parents"
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# ensure_secret FILE — a random secret (48 hex characters) in a 0600 file, made once and reused.
# Every password the platform generates lives in such a file under the data dir.
ensure_secret() {
  local file=$1
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file.tmp" && mv "$file.tmp" "$file") || die "could not write $file"
  fi
  chmod 600 "$file"
}

# Run a command as the database's OS user (PostgreSQL refuses to run as root). setpriv execs in
# place, so the pid we record is the server's own and our signals reach it.
as_pg_user() {
  if is_root; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

# Only scram-sha-256, for every socket and TCP connection (the server listens on loopback only).
PG_HBA='# written by Slipway (scripts/lib/common.sh): every connection needs the password
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
'

# pg_start DIR PORT PASSWORD_FILE — initialises (once) and starts PostgreSQL; exports PG_URL
# (superuser "slipway" with the password from PASSWORD_FILE, generated on first start). A cluster
# made by older scripts (trust authentication) gets the password and the scram-only pg_hba.conf.
pg_start() {
  local dir=$1 port=$2 pwfile=$3 bin; bin=$(pg_bin)
  [ -n "$bin" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  if is_root && ! id postgres >/dev/null 2>&1; then useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres; fi
  ensure_secret "$pwfile"
  local password; password=$(cat "$pwfile")
  mkdir -p "$dir"
  if is_root; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "initialising PostgreSQL in $dir"
    local initpw="$dir/.initdb-password"
    (umask 077 && printf '%s\n' "$password" >"$initpw")
    is_root && chown postgres "$initpw"
    as_pg_user "$bin/initdb" -D "$dir/data" -U slipway --auth=scram-sha-256 --pwfile="$initpw" --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
      || { rm -f "$initpw"; die "initdb failed"; }
    rm -f "$initpw"
  fi
  mkdir -p "$dir/run"
  is_root && chown postgres "$dir/run"
  chmod 700 "$dir/run"
  # an older cluster trusted loopback: it keeps doing so until the password is set below
  local legacy=0
  grep -Eq '^[[:space:]]*[^#[:space:]].*[[:space:]]trust[[:space:]]*$' "$dir/data/pg_hba.conf" && legacy=1
  [ $legacy = 0 ] && pg_write_hba "$dir"
  if [ -f "$dir/data/postmaster.pid" ] && kill -0 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null; then
    say "PostgreSQL already running on $dir"
    [ $legacy = 0 ] && as_pg_user "$bin/pg_ctl" reload -D "$dir/data" -s >/dev/null
  else
    rm -f "$dir/data/postmaster.pid"
    # the server itself must be our child (a backgrounded function would be a subshell)
    local runas=(); is_root && runas=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    "${runas[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/run" -c listen_addresses=127.0.0.1 \
      -c unix_socket_permissions=0700 -c password_encryption=scram-sha-256 \
      -c fsync=${SLIPWAY_PG_FSYNC:-on} -c max_connections=300 -c shared_buffers=256MB >"$dir/postgres.log" 2>&1 &
    CHILD_PIDS+=($!)
    PG_PIDS+=($!)
  fi
  wait_for 30 PostgreSQL "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"
  if [ $legacy = 1 ]; then
    say "PostgreSQL: setting the password and requiring it (scram-sha-256) for every connection"
    pg_write_hba "$dir"
    # through stdin, never argv; the old pg_hba.conf (trust) still applies until the reload
    printf "SET password_encryption = 'scram-sha-256';\nALTER ROLE slipway PASSWORD '%s';\nSELECT pg_reload_conf();\n" "$password" \
      | "$bin/psql" -qtA -X -h 127.0.0.1 -p "$port" -U slipway -d postgres -v ON_ERROR_STOP=1 >/dev/null \
      || die "could not set the PostgreSQL password in $dir"
  fi
  export PG_URL="postgres://slipway:$password@127.0.0.1:$port/postgres"
  PG_PASSWORD=$password
}

pg_write_hba() { # pg_write_hba DIR
  local hba="$1/data/pg_hba.conf"
  [ "$(cat "$hba" 2>/dev/null)" = "${PG_HBA%$'\n'}" ] && return 0
  printf '%s' "$PG_HBA" >"$hba.tmp" && chmod 600 "$hba.tmp" && { ! is_root || chown postgres "$hba.tmp"; } && mv "$hba.tmp" "$hba" \
    || die "could not write $hba"
}

pg_ensure_db() { # pg_ensure_db PORT NAME (after pg_start)
  local bin; bin=$(pg_bin)
  PGPASSWORD=$PG_PASSWORD "$bin/psql" -qtA -X -h 127.0.0.1 -p "$1" -U slipway -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$2'" | grep -q 1 \
    || PGPASSWORD=$PG_PASSWORD "$bin/createdb" -h 127.0.0.1 -p "$1" -U slipway "$2"
}

# redis_start DIR PORT PASSWORD_FILE — Redis on loopback with an ACL user "slipway" (password from
# PASSWORD_FILE, generated on first start) and the default user off; exports REDIS_URL. The
# configuration (it holds the password) is a 0600 file, never argv. A server left running by older
# scripts (no password) gets the same ACL live.
redis_start() {
  local dir=$1 port=$2 pwfile=$3
  mkdir -p "$dir"
  chmod 700 "$dir"
  ensure_secret "$pwfile"
  local password; password=$(cat "$pwfile")
  (umask 077 && cat >"$dir/redis.conf.tmp" <<CONF && mv "$dir/redis.conf.tmp" "$dir/redis.conf") || die "could not write $dir/redis.conf"
# written by Slipway (scripts/lib/common.sh) on every start
bind 127.0.0.1
protected-mode yes
port $port
dir "$dir"
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
daemonize no
appendonly yes
save ""
databases 64
user default off
user slipway on >$password ~* &* +@all
CONF
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    say "Redis already running on $dir"
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
      say "Redis: adding the platform's ACL user and turning the default user off"
      printf 'ACL SETUSER slipway on >%s ~* &* +@all\nACL SETUSER default off\n' "$password" | redis-cli -p "$port" >/dev/null \
        || die "could not set the Redis password on $dir"
    fi
  else
    redis-server "$dir/redis.conf" &
    CHILD_PIDS+=($!)
  fi
  wait_for 15 Redis redis_ping "$port" "$password"
  export REDIS_URL="redis://slipway:$password@127.0.0.1:$port"
}

redis_ping() { # redis_ping PORT PASSWORD — the password goes through the environment, never argv
  [ "$(REDISCLI_AUTH=$2 redis-cli --no-auth-warning --user slipway -p "$1" ping 2>/dev/null)" = PONG ]
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
      if [ $SECONDS -ge $end ]; then
        # a supervisor's process goes with it (its children first: they would outlive it)
        for c in $(pgrep -P "$pid" 2>/dev/null); do kill -KILL "$c" 2>/dev/null || true; done
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  done
  CHILD_PIDS=()
}

# sweep_test_fences — the apps' network fences (core/src/adapters/sandbox/egress-guard.ts) of test
# stacks whose run was killed before it could take them down: chains SLW-OUT-N/SLW-IN-N with N at or
# above 500000 (e2e/support/stack.ts; an installation's range is below) and no process running as a
# uid of N..N+99. A stale SLW-IN chain refuses connections from other machines to its port range, so
# one left by older code (ports in the kernel's ephemeral range) broke the cluster tier's api port.
sweep_test_fences() {
  is_root || return 0
  local bin lo uids chain rule
  uids=$(ps -eo uid= | sort -un)
  for bin in iptables ip6tables; do
    command -v "$bin" >/dev/null || continue
    for lo in $($bin -w -S 2>/dev/null | sed -n 's/^-N SLW-OUT-\([0-9]*\)$/\1/p'); do
      [ "$lo" -ge 500000 ] || continue
      awk -v lo="$lo" '$1 >= lo && $1 < lo + 100 { found = 1 } END { exit !found }' <<<"$uids" && continue
      for chain in "SLW-OUT-$lo" "SLW-IN-$lo"; do
        $bin -w -S 2>/dev/null | grep -E "^-A (INPUT|OUTPUT) .*-j $chain\$" | while read -r rule; do
          # shellcheck disable=SC2086 # the rule's words, as iptables printed them
          $bin -w ${rule/-A/-D} 2>/dev/null || true
        done
        $bin -w -F "$chain" 2>/dev/null && $bin -w -X "$chain" 2>/dev/null || true
      done
    done
  done
}
