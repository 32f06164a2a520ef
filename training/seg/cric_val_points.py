"""Quick PyTorch check of CRIC point recall (probability >= 0.5 at the labelled nucleus centre, no
post-processing) for a checkpoint, on the CRIC VAL fields only; used to compare fine-tuning runs.
The reported CRIC numbers come from `paplens eval-seg --points` (the shipped tfjs pipeline).
Usage: /usr/bin/python3 training/seg/cric_val_points.py CKPT [SCALE]"""
import csv
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from model import SegNet  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.environ.get('PAPLENS_DATA', os.path.join(REPO, '..', 'shared', 'data'))
torch.set_num_threads(1)
ck = torch.load(sys.argv[1], map_location='cpu')
scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
m = SegNet(**ck['config'])
m.load_state_dict(ck['state_dict'])
m.eval()
val = set(json.load(open(os.path.join(REPO, 'data', 'splits', 'cric.json')))['parts']['val'])
fields = {}
for r in csv.DictReader(open(os.path.join(DATA, 'cric', 'cells.csv'))):
    if r['field'] in val:
        fields.setdefault(r['field'], []).append(r)
hit = {}
for f, pts in sorted(fields.items()):
    rgb = np.array(Image.open(os.path.join(DATA, 'cric', 'fields', f)).convert('RGB')).astype(np.float32)
    g = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255
    H, W = g.shape
    x = torch.from_numpy(g)[None, None]
    if scale != 1:
        x = F.interpolate(x, scale_factor=scale, mode='bilinear', align_corners=False)
    h, w = x.shape[-2:]
    x = F.pad(x, (0, (-w) % 16, 0, (-h) % 16), mode='reflect')
    with torch.no_grad():
        p = m(x)[:, :, :h, :w]
    if scale != 1:
        p = F.interpolate(p, size=(H, W), mode='bilinear', align_corners=False)
    p = p[0, 0].numpy()
    for r in pts:
        ok = p[min(int(r['y']), H - 1), min(int(r['x']), W - 1)] >= 0.5
        for k in ('all', r['bethesda_system'][:8]):
            a = hit.setdefault(k, [0, 0])
            a[0] += int(ok)
            a[1] += 1
print(sys.argv[1], 'step', ck.get('step'), 'scale', scale,
      {k: f'{v[0]}/{v[1]}={v[0] / v[1]:.3f}' for k, v in sorted(hit.items())}, flush=True)
