#!/usr/bin/env bash
# bench/sandbox-cost.sh [BASE] — what the local runtime's sandbox costs, before and after, in one run:
# - push-to-live (bench/push-to-live.ts: cold and warm pushes of a Node app) in a copy of the tree
#   at BASE (the code before the sandbox) and in this tree (builds and dynos sandboxed);
# - request throughput through the nginx edge (bench/edge.ts, this tree): the same app as a plain
#   process ("before": what a dyno was) and as a sandboxed dyno of the LocalRuntime ("after").
# BASE defaults to the parent of the commit that added the sandbox (core/src/adapters/sandbox/);
# pass the main commit the sandbox was merged onto for a like-for-like comparison. Run as root (the
# sandbox only gives per-app uids, cgroups and the network guard to root), on a quiet machine.
#   bash bench/sandbox-cost.sh [BASE]   (BENCH_PUSH_ROUNDS=3 before/after pairs of push-to-live;
#                                        BENCH_SECONDS, BENCH_CONNECTIONS as for bench/edge.ts, BENCH_ROUNDS=8 pairs)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$SLIPWAY_ROOT"
added=$(git log --diff-filter=A --format=%H -- core/src/adapters/sandbox/sandbox-host.ts | tail -1)
BASE=${1:-${added:?cannot find the commit that added the sandbox}^}
base_sha=$(git rev-parse --verify "$BASE^{commit}") || die "unknown commit $BASE"
git cat-file -e "$base_sha:core/src/adapters/sandbox/sandbox-host.ts" 2>/dev/null && die "$BASE already has the sandbox: pass a commit before it"

OLD=$(mktemp -d /tmp/slipway-bench-base.XXXXXX); chmod 755 "$OLD"
trap 'rm -rf "$OLD"' EXIT
say "copying $BASE (${base_sha:0:10}) to $OLD"
git archive "$base_sha" | tar -x -C "$OLD"
# the same dependencies when the lockfile is the same (workspace links are relative: they stay in $OLD)
if cmp -s package-lock.json "$OLD/package-lock.json"; then
  cp -a node_modules "$OLD/"
  for ws in */node_modules; do [ -d "$OLD/${ws%/node_modules}" ] && cp -a "$ws" "$OLD/$ws"; done
fi
# the dashboard is not measured: reuse this tree's build when its sources are the same
[ -f client/dist/.slipway-src-hash ] && diff -rq client/src "$OLD/client/src" >/dev/null 2>&1 && cp -a client/dist "$OLD/client/"

results=$(mktemp)
run() { # run LABEL DIR BENCH
  say "$1: ./scripts/bench $3"
  (cd "$2" && ./scripts/bench "$3") 2>&1 | tee /dev/stderr | sed -n "/^push-to-live\|^bench\/edge\|^  \(cold\|warm\|direct\|edge\)/p" | sed "s/^/$1  /" >>"$results"
}
for _ in $(seq "${BENCH_PUSH_ROUNDS:-3}"); do # alternating: load on a shared machine moves between runs
  run "before" "$OLD" push-to-live
  run "after " "$SLIPWAY_ROOT" push-to-live
done
BENCH_ROUNDS=${BENCH_ROUNDS:-8} run "after " "$SLIPWAY_ROOT" edge
echo
say "sandbox cost (before: ${base_sha:0:10}, after: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'))"
cat "$results"
# the summary: medians of each kind of push, before and after, and what the sandbox adds
echo
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for kind in cold warm; do
  seconds() { awk -v who="$1" -v kind="$kind" '$1 == who && $2 == kind { print $3 }' "$results"; }
  b=$(seconds before | median); a=$(seconds after | median)
  [ -n "$b" ] || continue
  awk -v k="$kind" -v b="$b" -v a="$a" -v nb="$(seconds before | wc -l)" -v na="$(seconds after | wc -l)" \
    'BEGIN { printf "push-to-live %s: before %.1f s, after %.1f s (medians of %d and %d pushes): the sandbox adds %+.0f%%\n", k, b, a, nb, na, (a / b - 1) * 100 }'
done
grep 'sandbox ratio' "$results" | sed 's/^after  *//'
rm -f "$results"
