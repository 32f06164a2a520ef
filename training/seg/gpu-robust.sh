# Issue 12, robust network: one `run` call (H200 or H100), five fine-tunes of the SHIPPED weights
# in parallel, each 300 s, with CRIC val point recall (x1, max(x1, x0.7), and the fields resampled
# x0.5 / x2 with no rescaling) logged at every eval and a checkpoint at every eval. The best three
# per run (validation guards, then CRIC val) come back as one tar per run; selection among them is
# done on the CPU machine with the shipped pipeline (`paplens eval-seg ... --split <set>:val`).
#   A  stage-3 run C's recipe: field zoom 0.6-2.4, more EDF, lr 3e-4
#   B  the recipe: zoom 0.4-2.5 for cells and fields (half the patches near x1), stain 2, lr 1e-4
#   C  stain 2 only (ablation of B), lr 1e-4        D  zoom only (ablation of B), lr 1e-4
#   E  B at lr 3e-4
# Carried (see docs/SEGMENTATION.md): .devdata/gpu/{seg_data.npz, shipped.pt, cric/} — the CRIC VAL
# fields and their rows of cells.csv only; the npz is rebuilt there by prepare_cric_val.py.
set -x; nvidia-smi -L; python3 -c "import torch;print(torch.__version__)"
G=.devdata/gpu
PAPLENS_DATA=$G python3 training/seg/prepare_cric_val.py /tmp/cric_val.npz || exit 1
C="--variants rse --data $G/seg_data.npz --init $G/shipped.pt --cric-val /tmp/cric_val.npz --cric-scales 0.5,2 --batch 32 --warmup 50 --time-limit 300 --steps 100000 --eval-every 150 --threads 3"
W="--cell-zoom 0.4,2.5 --field-zoom 0.4,2.5 --zoom-core-share 0.5 --mix 0.35,0.25,0.4"
run() { t=$1; shift; timeout 400 python3 training/seg/train.py $C "$@" --ckpt-dir /tmp/ck$t --out /tmp/$t > /tmp/$t.txt 2>&1; }
run A --field-zoom 0.6,2.4 --mix 0.35,0.25,0.4 --lr 3e-4 &
run B $W --stain 2 --lr 1e-4 &
run C --field-zoom 0.7,2.0 --stain 2 --lr 1e-4 &
run D $W --lr 1e-4 &
run E $W --stain 2 --lr 3e-4 &
wait
mkdir -p /tmp/logs; for r in A B C D E; do echo "== $r"; grep -v '^{' /tmp/$r.txt | cut -c1-260; cp /tmp/$r.txt /tmp/$r/summary.json /tmp/logs/ 2>/dev/null; mv /tmp/logs/summary.json /tmp/logs/summary-$r.json; done
tar -cf $OUT/logs.tar -C /tmp/logs .
for r in A C; do python3 training/seg/select_ckpts.py /tmp/pick$r 3 /tmp/$r:/tmp/ck$r:$r --min-herlev 0.945 --min-edf 0.845; done
for r in B D E; do python3 training/seg/select_ckpts.py /tmp/pick$r 3 /tmp/$r:/tmp/ck$r:$r --min-herlev 0.945 --min-edf 0.845 --key robust; done
for r in A B C D E; do tar -cf $OUT/ck-$r.tar -C /tmp/pick$r .; done
ls -la $OUT
