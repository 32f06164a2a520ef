# Issue 12, robust network, second call: gpu-robust.sh's recipes again, evaluating and saving an
# exponential moving average of the weights (--ema 0.995) because the raw checkpoints' CRIC val
# recall swung by +-0.1 from one eval to the next. 200 s per run, evals every 100 steps; the best
# three per run come back (guards, then CRIC val); selection on the CPU machine with eval-seg on val.
#   F = B (zoom 0.4-2.5 + stain 2, lr 1e-4)   G = D (zoom only)   H = E (B at lr 3e-4)   I = C (stain only)
set -x; nvidia-smi -L
G=.devdata/gpu
PAPLENS_DATA=$G python3 training/seg/prepare_cric_val.py /tmp/cric_val.npz || exit 1
C="--variants rse --data $G/seg_data.npz --init $G/shipped.pt --cric-val /tmp/cric_val.npz --cric-scales 0.5,2 --batch 32 --warmup 50 --time-limit 200 --steps 100000 --eval-every 100 --threads 3 --ema 0.995"
W="--cell-zoom 0.4,2.5 --field-zoom 0.4,2.5 --zoom-core-share 0.5 --mix 0.35,0.25,0.4"
run() { t=$1; shift; timeout 270 python3 training/seg/train.py $C "$@" --ckpt-dir /tmp/ck$t --out /tmp/$t > /tmp/$t.txt 2>&1; }
run F $W --stain 2 --lr 1e-4 &
run G $W --lr 1e-4 &
run H $W --stain 2 --lr 3e-4 &
run I --field-zoom 0.7,2.0 --stain 2 --lr 1e-4 &
wait
mkdir -p /tmp/logs; for r in F G H I; do cp /tmp/$r.txt /tmp/logs/; cp /tmp/$r/summary.json /tmp/logs/summary-$r.json; done
tar -cf $OUT/logs.tar -C /tmp/logs .
for r in F G H; do python3 training/seg/select_ckpts.py /tmp/pick$r 3 /tmp/$r:/tmp/ck$r:$r --min-herlev 0.945 --min-edf 0.84 --key robust; done
python3 training/seg/select_ckpts.py /tmp/pickI 3 /tmp/I:/tmp/ckI:I --min-herlev 0.945 --min-edf 0.84
for r in F G H I; do tar -cf $OUT/ck-$r.tar -C /tmp/pick$r .; done
ls -la $OUT
