"""Weak labels for the CRIC TRAIN fields (issue 12: CRIC point recall), for `train.py --cric-train`.

CRIC has a labelled point at the centre of each marked nucleus, no masks. Each train field gets a
label map (uint8) built from two sources:
  - the starting network's own probability (max of the x1 and x0.7 passes, as the shipped field
    pipeline combines them): >= HI -> nucleus (1), <= LO -> background (0), between -> ignore (255);
  - every labelled point: a disk of radius R_POS px set to nucleus (2 = nucleus, weighted more in
    the loss, since a missed point is the error we want to fix), and, where the network missed the
    point (probability < 0.5 there), a ring up to R_FREE px set to ignore, because the nucleus'
    extent is not known and the network's "background" there is the error itself.
Only the train part of data/splits/cric.json is read; val is for selection, test untouched.

Usage: /usr/bin/python3 training/seg/prepare_cric_weak.py INIT.pt [OUT.npz] [--smoke]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from model import SegNet  # noqa: E402
from prepare_cric_val import REPO, grey_field, part_rows  # noqa: E402
from train import zoom_probs  # noqa: E402

HI, LO = 0.7, 0.3
R_POS, R_FREE = 5, 16
IGNORE, POINT = 255, 2


def field_prob(model, grey):
    """max(x1, x0.7) probability at field resolution, as training/seg/train.py's CRIC probe."""
    x = torch.from_numpy(grey).float()[None, None] / 255
    return torch.stack(zoom_probs(model, x, 16)).amax(0).numpy()


def weak_label(prob, points):
    """Label map (0 / 1 / POINT / IGNORE) from a probability map and (x, y) nucleus centres."""
    lab = np.full(prob.shape, IGNORE, np.uint8)
    lab[prob >= HI] = 1
    lab[prob <= LO] = 0
    H, W = prob.shape
    yy, xx = np.mgrid[-R_FREE:R_FREE + 1, -R_FREE:R_FREE + 1]
    d2 = yy * yy + xx * xx
    missed = 0
    for x, y in points:
        x, y = min(max(x, 0), W - 1), min(max(y, 0), H - 1)
        y0, y1, x0, x1 = max(y - R_FREE, 0), min(y + R_FREE + 1, H), max(x - R_FREE, 0), min(x + R_FREE + 1, W)
        win = lab[y0:y1, x0:x1]
        dd = d2[y0 - y + R_FREE:y1 - y + R_FREE, x0 - x + R_FREE:x1 - x + R_FREE]
        if prob[y, x] < 0.5:
            missed += 1
            win[(dd <= R_FREE * R_FREE) & (win == 0)] = IGNORE
        win[dd <= R_POS * R_POS] = POINT
    return lab, missed


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    smoke = '--smoke' in sys.argv
    if not args:
        sys.exit(__doc__)
    torch.set_num_threads(2)
    ck = torch.load(args[0], map_location='cpu')
    model = SegNet(**ck['config'])
    model.load_state_dict(ck['state_dict'])
    model.eval()
    out = args[1] if len(args) > 1 else os.path.join(REPO, '.devdata', 'seg-dev', 'cric_weak.npz')
    if smoke:  # one random 96x128 field with two points (CI)
        rng = np.random.default_rng(1)
        fields = {'smoke': [(30, 40), (90, 60)]}
        images = {'smoke': (rng.random((96, 128)) * 255).astype(np.uint8)}
    else:
        fields = {}
        for r in part_rows('train'):
            fields.setdefault(r['field'], []).append((int(r['x']), int(r['y'])))
        images = {f: grey_field(f) for f in sorted(fields)}
    # Fields differ by a few rows (956-961): crop all to the smallest so they stack.
    H = min(g.shape[0] for g in images.values())
    W = min(g.shape[1] for g in images.values())
    imgs, labs, n_pts, n_missed = [], [], 0, 0
    for f in sorted(images):
        g = images[f][:H, :W]
        lab, missed = weak_label(field_prob(model, g), [(x, y) for x, y in fields[f] if x < W and y < H])
        imgs.append(g)
        labs.append(lab)
        n_pts += len(fields[f])
        n_missed += missed
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    np.savez_compressed(out, img=np.stack(imgs), label=np.stack(labs))
    lab = np.stack(labs)
    print(out, len(imgs), 'fields', n_pts, 'points', n_missed, 'missed by the starting network;',
          f'nucleus {np.mean(lab == 1):.3f} point {np.mean(lab == POINT):.4f} ignore {np.mean(lab == IGNORE):.3f}')


if __name__ == '__main__':
    main()
