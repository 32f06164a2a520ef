"""Rebuild a PyTorch checkpoint from the shipped tfjs files (public/models/seg), the inverse of
export.py, so a fine-tune can start from exactly what users run.

  /usr/bin/python3 training/seg/import_shipped.py public/models/seg OUT.pt
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from model import SegNet  # noqa: E402


def main():
    src, out = sys.argv[1], sys.argv[2]
    m = json.load(open(os.path.join(src, 'model.json')))
    arch = m['architecture']
    blob = np.fromfile(os.path.join(src, 'weights.bin'), dtype='<f4')
    cfg = {'kind': arch['kind'], 'base': arch['base'], 'depth': arch['depth']}
    model = SegNet(**cfg)
    state = model.state_dict()
    seen = set()
    for t in m['tensors']:
        a = blob[t['offset']:t['offset'] + int(np.prod(t['shape']))].reshape(t['shape'])
        if a.ndim == 4:
            a = a.transpose(3, 2, 0, 1)  # HWIO -> OIHW
        elif a.ndim == 2:
            a = a.T
        ref = state[t['name']]
        assert tuple(a.shape) == tuple(ref.shape), (t['name'], a.shape, ref.shape)
        state[t['name']] = torch.from_numpy(np.ascontiguousarray(a)).to(ref.dtype)
        seen.add(t['name'])
    missing = [k for k in state if k not in seen and not k.endswith('num_batches_tracked')]
    assert not missing, missing
    model.load_state_dict(state)
    ck = {'config': model.config, 'state_dict': model.state_dict(), 'step': m['training'].get('checkpointStep'),
          'val': m['training'].get('val'), 'source': src, 'sha256': m['weights']['sha256']}
    torch.save(ck, out)
    print('wrote', out, 'from', src, m['weights']['sha256'][:12])


if __name__ == '__main__':
    main()
