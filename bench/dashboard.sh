#!/usr/bin/env bash
# bench/dashboard.sh — starts throwaway PostgreSQL and Redis (as ./scripts/test does), builds what
# is missing, then runs bench/dashboard.ts. Usage: npm run dashboard -w bench  (or bash bench/dashboard.sh)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$SLIPWAY_ROOT"
ensure_packages base test
ensure_node_modules
ensure_build
SCRATCH=$(mktemp -d /tmp/slipway-bench-dashboard.XXXXXX)
chmod 755 "$SCRATCH"
CHILD_PIDS=()
trap 'stop_children; rm -rf "$SCRATCH"' EXIT
export SLIPWAY_PG_FSYNC=off
pg_start "$SCRATCH/pg" "$(free_port)" "$SCRATCH/postgres.password"
redis_start "$SCRATCH/redis" "$(free_port)" "$SCRATCH/redis.password"
export SLIPWAY_TEST_PG_URL="$PG_URL" SLIPWAY_TEST_REDIS_URL="$REDIS_URL" SLIPWAY_TEST_SCRATCH="$SCRATCH"
npx tsx bench/dashboard.ts
