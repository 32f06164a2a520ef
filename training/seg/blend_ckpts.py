"""Weight interpolation between two checkpoints of the same network: theta = (1 - a) * A + a * B
(floating-point tensors, BN running statistics included; integer counters from B). Used to trade a
fine-tune's gain against its cost between the shipped weights and a fine-tuned checkpoint.
Usage: /usr/bin/python3 training/seg/blend_ckpts.py A.pt B.pt ALPHA OUT.pt"""
import sys

import torch


def main():
    a_path, b_path, alpha, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    a = torch.load(a_path, map_location='cpu')
    b = torch.load(b_path, map_location='cpu')
    if a['config'] != b['config']:
        sys.exit(f'different networks: {a["config"]} vs {b["config"]}')
    sd = {k: ((1 - alpha) * a['state_dict'][k] + alpha * t) if t.is_floating_point() else t.clone()
          for k, t in b['state_dict'].items()}
    torch.save({'config': b['config'], 'state_dict': sd, 'step': b.get('step'),
                'blend': {'a': a_path, 'b': b_path, 'alpha': alpha}}, out)
    print('wrote', out, 'alpha', alpha)


if __name__ == '__main__':
    main()
