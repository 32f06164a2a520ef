"""Export a trained checkpoint to the app's format: raw little-endian float32 weights + JSON manifest,
plus a golden input/output pair for the tfjs parity test (tests/segment-parity.test.ts).

Layouts for tfjs: conv weights OIHW -> HWIO (permute(2,3,1,0)); dense weights (out,in) -> (in,out).
BatchNorm is exported as running mean/var/gamma/beta and applied with epsilon 1e-5 (PyTorch's).

  /usr/bin/python3 training/seg/export.py training/runs/seg-gpu/rse.pt --out public/models/seg \
      --golden tests/fixtures/seg
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from model import SegNet  # noqa: E402

WORKING_SCALE = {
    'description': 'CRIC 1280-px field grid, 40x objective: nuclei ~15-40 px across (ISBI 2014 used at 1:1)',
    'fieldScale': 1.0,
    'cellScale': 0.5,
    'cellScaleNote': 'single-cell images (Herlev-like 128-px crops, nucleus ~57 px) are downscaled by 0.5',
}


def golden_input(h, w, seed=7):
    """Smooth synthetic grey image with dark blobs (no dataset pixels in the repo)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = 0.8 + 0.05 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    for _ in range(4):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(4, 9)
        img -= 0.5 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    img += rng.normal(0, 0.02, img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('--out', required=True)
    ap.add_argument('--golden', help='folder for the parity fixture')
    ap.add_argument('--summary', help='training summary.json to copy facts from')
    a = ap.parse_args()
    ck = torch.load(a.checkpoint, map_location='cpu')
    cfg = ck['config']
    model = SegNet(**cfg)
    model.load_state_dict(ck['state_dict'])
    model.eval()
    tensors, chunks, offset = [], [], 0
    for name, t in model.state_dict().items():
        if name.endswith('num_batches_tracked'):
            continue
        a_ = t.detach().float().numpy()
        if a_.ndim == 4:
            a_ = a_.transpose(2, 3, 1, 0)
        elif a_.ndim == 2:
            a_ = a_.T
        a_ = np.ascontiguousarray(a_, dtype='<f4')
        tensors.append({'name': name, 'shape': list(a_.shape), 'offset': offset})
        chunks.append(a_.tobytes())
        offset += a_.size
    os.makedirs(a.out, exist_ok=True)
    blob = b''.join(chunks)
    with open(os.path.join(a.out, 'weights.bin'), 'wb') as f:
        f.write(blob)
    manifest = {
        'format': 'paplens-seg/1',
        'architecture': {'kind': cfg['kind'], 'base': cfg['base'], 'depth': cfg['depth'], 'inChannels': cfg['in_ch'],
                         'bridgeMult': cfg['bridge_mult'] or 2 ** (cfg['depth'] - 1), 'seReduction': 8, 'seMinHidden': 4,
                         'upsample': 'nearest', 'padding': 'symmetric 1 px for 3x3 (stride 1 and 2)'},
        'input': {'channels': 1, 'grey': 'ITU-R BT.601 luma (toGrey)', 'range': [0, 1], 'multiple': 2 ** cfg['depth'],
                  'minSize': 128, 'pad': 'reflect, centred'},
        'workingScale': WORKING_SCALE,
        'threshold': 0.5,
        'bnEpsilon': 1e-5,
        'weights': {'path': 'seg/weights.bin', 'dtype': 'float32', 'bytes': len(blob),
                    'sha256': hashlib.sha256(blob).hexdigest()},
        'tensors': tensors,
        'training': {'checkpointStep': ck.get('step'), 'val': ck.get('val')},
    }
    with open(os.path.join(a.out, 'model.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print('wrote', a.out, len(blob), 'bytes', len(tensors), 'tensors')
    if a.golden:
        os.makedirs(a.golden, exist_ok=True)
        x = golden_input(48, 64)
        with torch.no_grad():
            y = model(torch.from_numpy(x)[None, None])[0, 0].numpy().astype('<f4')
        x.astype('<f4').tofile(os.path.join(a.golden, 'golden-input.f32'))
        y.tofile(os.path.join(a.golden, 'golden-output.f32'))
        meta = {'height': 48, 'width': 64, 'weightsSha256': manifest['weights']['sha256'],
                'torch': torch.__version__, 'outputMin': float(y.min()), 'outputMax': float(y.max())}
        with open(os.path.join(a.golden, 'golden.json'), 'w') as f:
            json.dump(meta, f, indent=1)
        print('golden', meta)


if __name__ == '__main__':
    main()
