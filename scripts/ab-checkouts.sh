#!/bin/bash
# Interleaved A/B of two checkouts (issue 13: before/after measured in one run): each round runs
# `paplens analyze FILE --mode field` in checkout A, then in checkout B, and prints the stage
# timings of both. Run it on a quiet machine; say the load with the figures.
#
#   git worktree add /tmp/ab-a <commit-before> && ln -s "$PWD/node_modules" /tmp/ab-a/node_modules
#   scripts/ab-checkouts.sh /tmp/ab-a . ../shared/data/cric/fields/abaafc46c2b0cecef1ddb0ba3202ae74.jpg 3
set -euo pipefail
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); FILE=$(cd "$(dirname "$3")" && pwd)/$(basename "$3"); ROUNDS=${4:-3}
OUT=$(mktemp -d)
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for arm in A B; do
    dir=$A; [ "$arm" = B ] && dir=$B
    (cd "$dir" && node bin/paplens.mjs analyze "$FILE" --mode field --json "$OUT/$arm-$r.json" > /dev/null)
    node -e "const j=require('$OUT/$arm-$r.json');const t={};for(const s of j.images[0].timings)t[s.stage]=Math.round(s.ms);console.log('$arm', $r, JSON.stringify(t))"
  done
done
echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
