import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, weightsDir } from '../src/data/paths';

// The single-cell CNN recipe (training/cls/cnn/train.py --classes 7) on 14 random 32-px views,
// 1 epoch: the code path that produced public/models/cell runs, and the head has 7 outputs.
// Needs Debian's PyTorch and ../shared/weights; skips without them.
const PY = '/usr/bin/python3';
const hasTorch =
  existsSync(PY) &&
  spawnSync(PY, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' }).status === 0;
const hasWeights = existsSync(join(weightsDir(), 'squeezenet1.1'));
if (!hasTorch || !hasWeights)
  console.log(
    'skipped: /usr/bin/python3 with torch or ../shared/weights not found (single-cell CNN training smoke test)',
  );

describe.skipIf(!hasTorch || !hasWeights)('single-cell CNN training smoke test', () => {
  it('fine-tunes SqueezeNet on 7 classes for one epoch and saves a 7-way head', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paplens-cell-cnn-'));
    try {
      const s = 32;
      for (const part of ['train', 'val']) {
        const n = part === 'train' ? 14 : 7;
        const cells = Array.from({ length: n }, (_, i) => ({
          cellId: `${part}${i}`,
          label: i % 7,
          offset: i * s * s * 3,
          length: s * s * 3,
        }));
        const bin = Buffer.alloc(n * s * s * 3);
        for (let i = 0; i < bin.length; i++) bin[i] = (i * 37 + n) % 251;
        writeFileSync(join(dir, `${part}.bin`), bin);
        writeFileSync(join(dir, `${part}.json`), JSON.stringify({ size: s, format: 'raw', cells }));
      }
      const out = join(dir, 'sq.pt');
      const r = spawnSync(
        PY,
        [
          join(REPO_ROOT, 'training/cls/cnn/train.py'),
          ...['--net', 'squeezenet', '--size', '32', '--data', dir, '--weights', weightsDir()],
          ...['--out', out, '--epochs', '1', '--batch', '7', '--classes', '7'],
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const check = spawnSync(
        PY,
        [
          '-c',
          `import torch; c = torch.load(${JSON.stringify(out)}, map_location='cpu'); print(c['state_dict']['head.weight'].shape[0], len(c['log']))`,
        ],
        { encoding: 'utf8' },
      );
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout.trim()).toBe('7 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
