"""Pack the CRIC VAL fields (grey, BT.601, as cric_val_points.py reads them) and their labelled nucleus
points into one npz, so CRIC val point recall can be computed on the GPU machine during training
(checkpoint selection on validation only; the test part is never read here).
Usage: /usr/bin/python3 training/seg/prepare_cric_val.py [OUT.npz]"""
import csv
import json
import os
import sys

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.environ.get('PAPLENS_DATA', os.path.join(REPO, '..', 'shared', 'data'))


def part_fields(part):
    """Field file names of one part of data/splits/cric.json, sorted."""
    return sorted(json.load(open(os.path.join(REPO, 'data', 'splits', 'cric.json')))['parts'][part])


def part_rows(part):
    """The cells.csv rows (dicts) of the fields of one split part."""
    fields = set(part_fields(part))
    return [r for r in csv.DictReader(open(os.path.join(DATA, 'cric', 'cells.csv'))) if r['field'] in fields]


def grey_field(name):
    """A CRIC field as uint8 grey (BT.601 luma, rounded, as toGrey)."""
    rgb = np.array(Image.open(os.path.join(DATA, 'cric', 'fields', name)).convert('RGB')).astype(np.float32)
    g = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    return np.clip(np.round(g), 0, 255).astype(np.uint8)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, '.devdata', 'seg-dev', 'cric_val.npz')
    val = part_fields('val')
    idx = {f: i for i, f in enumerate(val)}
    classes = ['Negative', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC']  # CSV spells NILM out
    pts = [(idx[r['field']], int(r['x']), int(r['y']),
            next(i for i, c in enumerate(classes) if r['bethesda_system'].startswith(c))) for r in part_rows('val')]
    imgs = [grey_field(f) for f in val]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # Fields differ in size: one array per field (f0, f1, ...).
    np.savez_compressed(out, points=np.array(pts, np.int32), **{f'f{i}': g for i, g in enumerate(imgs)})
    print(out, len(imgs), 'fields', len(pts), 'points', os.path.getsize(out), 'bytes')


if __name__ == '__main__':
    main()
