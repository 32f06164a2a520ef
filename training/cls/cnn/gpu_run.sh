#!/bin/bash
# One device call: fine-tune every backbone at two input sizes in parallel on one GPU
# (each run is launch-bound, so 8 processes share the H100 well), then copy checkpoints to $OUT.
# usage (device machine, repo root): bash training/cls/cnn/gpu_run.sh <train-seconds-per-run>
set -u
LIMIT=${1:-200}
OUTDIR=${OUT:-training/runs/cnn}
mkdir -p training/runs/cnn "$OUTDIR"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
pids=()
for cfg in mobilenet:96 mobilenet:128 mobilenet035:96 mobilenet035:128 squeezenet:96 squeezenet:128 darknet:96 darknet:128; do
  net=${cfg%%:*}; size=${cfg##*:}
  ${PY:-python3} training/cls/cnn/train.py --net "$net" --size "$size" --data .devdata/cnn --weights .devdata/cnn/weights \
    --out "$OUTDIR/$net-$size.pt" --epochs 60 --patience 15 --time-limit "$LIMIT" --threads 2 \
    > "training/runs/cnn/$net-$size.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for f in training/runs/cnn/*.log; do echo "== $f"; grep -E '"done"|Error|error' "$f" | tail -3; done
ls -la "$OUTDIR"
