#!/bin/sh
# Every segmentation number in docs/SEGMENTATION.md and the model card, with the shipped tfjs model
# (and the ablation variants exported to .devdata/seg/ablation/<variant> by training/seg/export.py).
# Usage: sh training/seg/eval-all.sh [OUTDIR]   (needs ../shared/data or PAPLENS_DATA)
set -e
D=${PAPLENS_DATA:-../shared/data}
O=${1:-training/runs/seg-eval}
mkdir -p "$O"
P="npx paplens eval-seg"
$P --images $D/herlev-sd/images --masks $D/herlev-sd/masks --split herlev-sd:test --json $O/herlev-test.json
$P --images $D/isbi2014/edf/images --masks $D/isbi2014/edf/masks --split isbi2014:test --json $O/edf-test.json
$P --images $D/isbi2014/synthetic/images --masks $D/isbi2014/synthetic/masks --split isbi2014:test --json $O/synthetic-test.json
$P --points $D/cric/cells.csv --fields $D/cric/fields --split cric:test --json $O/cric-test.json
for v in plain residual rse; do
  for part in val test; do
    $P --model .devdata/seg/ablation/$v --images $D/herlev-sd/images --masks $D/herlev-sd/masks --split herlev-sd:$part --json $O/ablation-$v-herlev-$part.json
    $P --model .devdata/seg/ablation/$v --images $D/isbi2014/edf/images --masks $D/isbi2014/edf/masks --split isbi2014:$part --json $O/ablation-$v-edf-$part.json
  done
done
