"""Build compact training arrays for the segmentation model (.devdata/seg/seg_data.npz).

Working scale = the CRIC 1280-px field grid (40x objective; nuclei ~15-40 px), the scale of
`cropCell` in src/core/image/crop-cell.ts. Measured nucleus equivalent diameters (median):
ISBI synthetic 18 px, ISBI EDF 22 px -> used at 1:1. Herlev-SD 128x128 crops: 57 px (severe
dysplastic nuclei, ~2x a CRIC HSIL nucleus) -> downscaled by HERLEV_SCALE = 0.5 (to 64x64).

Images are stored as 8-bit grey (ITU-R BT.601 luma, same as `toGrey` in src/core/image/ops.ts),
except Herlev which is kept in RGB so training can jitter the stain colour before the grey
conversion. Masks are 0/1 uint8. Splits come from data/splits/*.json (train/val; test untouched).

Usage: /usr/bin/python3 training/seg/prepare_data.py [--data ../shared/data] [--out .devdata/seg]
"""
import argparse
import csv
import json
import os

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
HERLEV_SCALE = 0.5


def luma(rgb):
    # Same weights and rounding as toGrey (BT.601); stored as uint8.
    g = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    return np.clip(np.round(g), 0, 255).astype(np.uint8)


def resize_bilinear(img, w, h):
    """Bilinear resize identical to resizeRgba in src/core/image/ops.ts (pixel-centre aligned, no
    antialias, rounded to uint8), so training sees exactly what inference feeds the model."""
    H, W = img.shape[:2]
    fy = np.clip((np.arange(h) + 0.5) * (H / h) - 0.5, 0, H - 1)
    fx = np.clip((np.arange(w) + 0.5) * (W / w) - 0.5, 0, W - 1)
    y0 = np.floor(fy).astype(int)
    x0 = np.floor(fx).astype(int)
    y1 = np.minimum(y0 + 1, H - 1)
    x1 = np.minimum(x0 + 1, W - 1)
    wy = (fy - y0)[:, None, None]
    wx = (fx - x0)[None, :, None]
    f = img.astype(np.float64).reshape(H, W, -1)
    top = f[y0][:, x0] * (1 - wx) + f[y0][:, x1] * wx
    bot = f[y1][:, x0] * (1 - wx) + f[y1][:, x1] * wx
    out = np.clip(np.round(top * (1 - wy) + bot * wy), 0, 255).astype(np.uint8)
    return out.reshape((h, w) + img.shape[2:])


def resize_nearest(mask, w, h):
    """Nearest resize identical to resizeMask in src/core/image/ops.ts."""
    H, W = mask.shape
    sy = np.minimum(np.floor((np.arange(h) + 0.5) * H / h).astype(int), H - 1)
    sx = np.minimum(np.floor((np.arange(w) + 0.5) * W / w).astype(int), W - 1)
    return mask[sy][:, sx]


def read_rgb(path):
    return np.array(Image.open(path).convert('RGB'))


def read_mask(path):
    m = np.array(Image.open(path).convert('L'))
    return (m > 0).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.environ.get('PAPLENS_DATA', os.path.join(REPO, '..', 'shared', 'data')))
    ap.add_argument('--out', default=os.path.join(REPO, '.devdata', 'seg'))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    herlev_split = json.load(open(os.path.join(REPO, 'data', 'splits', 'herlev-sd.json')))['parts']
    isbi_split = json.load(open(os.path.join(REPO, 'data', 'splits', 'isbi2014.json')))['parts']
    arrays = {}
    # Herlev-SD: resize RGB (bilinear) and mask (nearest) to the working scale.
    rows = list(csv.DictReader(open(os.path.join(a.data, 'herlev-sd', 'manifest.csv'))))
    for part in ('train', 'val'):
        groups = set(herlev_split[part])
        imgs, masks = [], []
        for r in rows:
            if r['group'] not in groups:
                continue
            im = read_rgb(os.path.join(a.data, 'herlev-sd', 'images', r['id'] + '.jpg'))
            mk = read_mask(os.path.join(a.data, 'herlev-sd', 'masks', r['id'] + '.png'))
            w, h = round(im.shape[1] * HERLEV_SCALE), round(im.shape[0] * HERLEV_SCALE)
            imgs.append(resize_bilinear(im, w, h))
            masks.append(resize_nearest(mk, w, h))
        arrays[f'herlev_{part}_img'] = np.stack(imgs)
        arrays[f'herlev_{part}_mask'] = np.stack(masks)
    # ISBI: grey at 1:1; synthetic (512^2) and EDF (1024^2) kept as separate stacks.
    for kind in ('synthetic', 'edf'):
        for part in ('train', 'val'):
            ids = [u.split('/')[1] for u in isbi_split[part] if u.startswith(kind + '/')]
            d = os.path.join(a.data, 'isbi2014', kind)
            arrays[f'{kind}_{part}_img'] = np.stack([luma(read_rgb(os.path.join(d, 'images', i + '.png'))) for i in ids])
            arrays[f'{kind}_{part}_mask'] = np.stack([read_mask(os.path.join(d, 'masks', i + '.png')) for i in ids])
    out = os.path.join(a.out, 'seg_data.npz')
    np.savez_compressed(out, **arrays)
    for k, v in arrays.items():
        print(k, v.shape, v.dtype)
    print('wrote', out, os.path.getsize(out), 'bytes')


if __name__ == '__main__':
    main()
