"""Time the SHIPPED SE-UNet (public/models/seg) in PyTorch CPU, for the tfjs/PyTorch ratio of issue 7.

The weights are read back from public/models/seg/weights.bin (format paplens-seg/1, written by
training/seg/export.py: conv HWIO -> OIHW, dense (in,out) -> (out,in)), loaded into
training/seg/model.py's SegNet, and checked against the golden parity fixture
(tests/fixtures/seg) so the timed network is provably the shipped one, not random weights.

  /usr/bin/python3 scripts/torch-seg-bench.py [--threads 2] [--runs 10] [--json FILE]

Inputs are exactly what the app feeds the network: a 128x128 cell image becomes 64x64 at the
working scale and is reflect-padded to minSize 128 -> 1x1x128x128; fields run in 512x512 tiles.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'training', 'seg'))
from model import SegNet  # noqa: E402


def load_shipped(model_dir):
    with open(os.path.join(model_dir, 'model.json')) as f:
        manifest = json.load(f)
    arch = manifest['architecture']
    net = SegNet(kind=arch['kind'], base=arch['base'], depth=arch['depth'], in_ch=arch['inChannels'],
                 bridge_mult=arch['bridgeMult'])
    blob = np.fromfile(os.path.join(model_dir, 'weights.bin'), dtype='<f4')
    state = net.state_dict()
    loaded = 0
    for t in manifest['tensors']:
        shape = t['shape']
        a = blob[t['offset']:t['offset'] + int(np.prod(shape))].reshape(shape)
        if a.ndim == 4:
            a = a.transpose(3, 2, 0, 1)  # HWIO -> OIHW
        elif a.ndim == 2:
            a = a.T
        if tuple(state[t['name']].shape) != a.shape:
            raise SystemExit(f"shape mismatch for {t['name']}: {a.shape} vs {tuple(state[t['name']].shape)}")
        state[t['name']] = torch.from_numpy(np.ascontiguousarray(a))
        loaded += 1
    net.load_state_dict(state)
    net.eval()
    return net, manifest, loaded


def parity(net):
    """Max abs difference to the golden output exported with the shipped weights (or None)."""
    d = os.path.join(ROOT, 'tests', 'fixtures', 'seg')
    if not os.path.exists(os.path.join(d, 'golden.json')):
        return None, None
    with open(os.path.join(d, 'golden.json')) as f:
        g = json.load(f)
    x = np.fromfile(os.path.join(d, 'golden-input.f32'), dtype='<f4').reshape(1, 1, g['height'], g['width'])
    y = np.fromfile(os.path.join(d, 'golden-output.f32'), dtype='<f4').reshape(1, 1, g['height'], g['width'])
    with torch.no_grad():
        p = net(torch.from_numpy(x)).numpy()
    return float(np.abs(p - y).max()), g.get('weightsSha256')


def time_forward(net, side, runs):
    x = torch.rand(1, 1, side, side, generator=torch.Generator().manual_seed(side))
    with torch.no_grad():
        t0 = time.perf_counter()
        net(x)
        cold = (time.perf_counter() - t0) * 1000
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            net(x)
            warm.append((time.perf_counter() - t) * 1000)
    return {'median_ms': statistics.median(warm), 'min_ms': min(warm), 'max_ms': max(warm), 'runs': runs,
            'cold_ms': cold}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs', type=int, default=10)
    ap.add_argument('--models', default=os.path.join(ROOT, 'public', 'models', 'seg'))
    ap.add_argument('--json')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    net, manifest, loaded = load_shipped(a.models)
    diff, golden_sha = parity(net)
    shipped_sha = manifest['weights']['sha256']
    out = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'weights': 'shipped public/models/seg/weights.bin',
        'weights_sha256': shipped_sha,
        'tensors_loaded': loaded,
        'golden_max_abs_diff': diff,
        'golden_same_weights': golden_sha == shipped_sha,
        'load_average': os.getloadavg(),
        'forward': {
            'cell_128': time_forward(net, 128, a.runs),
            'tile_512': time_forward(net, 512, a.runs),
        },
    }
    if diff is not None and golden_sha == shipped_sha and diff > 1e-4:
        raise SystemExit(f'parity check failed: max |torch - golden| = {diff:.2e}')
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(out, f, indent=1)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
