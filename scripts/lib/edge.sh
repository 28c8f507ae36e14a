# The local edge: nginx under DIR, listening on PORT (on $SLIPWAY_BIND, default 127.0.0.1), and on
# $SLIPWAY_EDGE_TLS_PORT for HTTPS when set; ACME HTTP-01 challenges go to the api on
# $SLIPWAY_API_PORT. The worker (NginxEdge) owns the routing table and the certificates and reloads
# this instance; this file only bootstraps and starts it. Sourced after common.sh.
edge_start() {
  local dir=$1 port=$2 nginx=${SLIPWAY_NGINX_BIN:-nginx} bind=${SLIPWAY_BIND:-127.0.0.1} extra=()
  [ -n "${SLIPWAY_EDGE_TLS_PORT:-}" ] && extra+=(--tls-port "$SLIPWAY_EDGE_TLS_PORT")
  case $bind in 0.0.0.0|::|'*') extra+=(--acme-upstream "127.0.0.1:${SLIPWAY_API_PORT:-5000}") ;;
    *:*) extra+=(--acme-upstream "[$bind]:${SLIPWAY_API_PORT:-5000}") ;;
    *) extra+=(--acme-upstream "$bind:${SLIPWAY_API_PORT:-5000}") ;; esac
  node "$SLIPWAY_ROOT/core/dist/adapters/edge/nginx-bootstrap.js" "$dir" "$port" "$bind" "${extra[@]}" \
    || die "could not write the edge configuration"
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
    say "edge already running on $dir (reloading its configuration)"
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -t -q || die "edge configuration is invalid"
    kill -HUP "$(cat "$dir/nginx.pid")"
  else
    port_open "$port" && die "port $port is already in use (set SLIPWAY_EDGE_PORT to move the edge)"
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -t -q || die "edge configuration is invalid"
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
    CHILD_PIDS+=($!)
  fi
  wait_for 15 "the edge" port_open "$port"
}
