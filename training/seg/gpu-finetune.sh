# Stage-3 GPU attempt (one `run` call on an H100, 2026-11-26; NOT shipped, see docs/SEGMENTATION.md):
# three rse fine-tune/scratch runs in parallel with wider field zoom, CRIC VAL point recall logged at
# every eval (training/seg/prepare_cric_val.py -> .devdata/seg-dev/cric_val.npz), checkpoints saved
# at every eval, then the best few by CRIC val recall passing val guards are copied to $OUT.
# Needs .devdata/seg-dev/{seg_data.npz,cric_val.npz,rse.pt (stage-1 GPU rse),ft300.pt (shipped)}.
set -x; nvidia-smi -L; python3 -c "import torch;print(torch.__version__)"
D=.devdata/seg-dev; C="--variants rse --data $D/seg_data.npz --cric-val $D/cric_val.npz --batch 32 --time-limit 195 --steps 100000 --threads 4"
timeout 250 python3 training/seg/train.py $C --init $D/rse.pt --field-zoom 0.7,2.0 --lr 3e-4 --warmup 50 --eval-every 300 --ckpt-dir /tmp/ckA --out /tmp/A > /tmp/A.txt 2>&1 &
timeout 250 python3 training/seg/train.py $C --field-zoom 0.7,2.0 --lr 1e-3 --warmup 100 --eval-every 400 --ckpt-dir /tmp/ckB --out /tmp/B > /tmp/B.txt 2>&1 &
timeout 250 python3 training/seg/train.py $C --init $D/rse.pt --field-zoom 0.6,2.4 --mix 0.35,0.25,0.4 --lr 3e-4 --warmup 50 --eval-every 300 --ckpt-dir /tmp/ckC --out /tmp/C > /tmp/C.txt 2>&1 &
timeout 120 python3 training/seg/train.py $C --init $D/ft300.pt --steps 0 --ckpt-dir /tmp/ckS --out /tmp/S > /tmp/S.txt 2>&1
wait
for r in S A B C; do echo "== $r"; grep -v '^{' /tmp/$r.txt | cut -c1-330; done
cat /tmp/S.txt /tmp/A.txt /tmp/B.txt /tmp/C.txt > $OUT/logs.txt
python3 training/seg/select_ckpts.py $OUT 7 /tmp/A:/tmp/ckA:A /tmp/B:/tmp/ckB:B /tmp/C:/tmp/ckC:C /tmp/S:/tmp/ckS:S
