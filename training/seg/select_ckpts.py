"""After a GPU run with --ckpt-dir: list every evaluated checkpoint of one or more runs and copy the
best few (by CRIC VAL point recall, max of the x1 and x0.7 passes) that pass the validation guards
(Herlev-SD val Dice >= --min-herlev, ISBI EDF val Dice >= --min-edf) to OUTDIR. Validation only.
Usage: python3 training/seg/select_ckpts.py OUTDIR N RUN_OUT:CKPT_DIR:TAG ... [--min-herlev X --min-edf Y]"""
import argparse
import json
import os
import shutil

ap = argparse.ArgumentParser()
ap.add_argument('outdir')
ap.add_argument('n', type=int)
ap.add_argument('runs', nargs='+')
ap.add_argument('--min-herlev', type=float, default=0.95)
ap.add_argument('--min-edf', type=float, default=0.856)
ap.add_argument('--key', choices=('cric_max', 'robust'), default='cric_max',
                help='robust: cric_max plus the mean recall of the fields resampled x0.5 and x2 (--cric-scales 0.5,2)')
a = ap.parse_args()
rows = []
for spec in a.runs:
    out, ck, tag = spec.split(':')
    try:
        s = json.load(open(os.path.join(out, 'summary.json')))
    except OSError:
        print('no summary for', tag)
        continue
    for e in s['evals']:
        v = e['val']
        off = (v.get('cric_s0.5', -1) + v.get('cric_s2', -1)) / 2
        rows.append((tag, e['variant'], e['step'], v['herlev'], v['synthetic'], v['edf'], v.get('cric_x1', -1), v.get('cric_max', -1), off,
                     os.path.join(ck, f"{e['variant']}-step{e['step']}.pt")))
print('run variant step herlev synth edf cric_x1 cric_max cric_off_scale')
for r in rows:
    print(*r[:3], *(f'{x:.4f}' for x in r[3:9]))
score = (lambda r: r[7] + r[8]) if a.key == 'robust' else (lambda r: r[7])
ok = sorted((r for r in rows if r[3] >= a.min_herlev and r[5] >= a.min_edf and r[2] > 0), key=lambda r: -score(r))
os.makedirs(a.outdir, exist_ok=True)
for r in ok[:a.n]:
    dst = os.path.join(a.outdir, f'{r[0]}-step{r[2]}.pt')
    shutil.copy(r[9], dst)
    print('picked', dst, f'cric_max {r[7]:.4f} off-scale {r[8]:.4f} herlev {r[3]:.4f} edf {r[5]:.4f}')
