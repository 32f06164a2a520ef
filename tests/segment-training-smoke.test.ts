import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { REPO_ROOT } from '../src/data/paths';
import { loadSegModel } from '../src/core/segment/model';

// Runs the real training + export scripts in --smoke mode (tiny model, random data, 3 steps) and
// checks that the exported model loads in tfjs and matches PyTorch. Needs Debian's PyTorch
// (`apt-get install -y python3-torch python3-numpy python3-pil`); skips without it.
const PY = '/usr/bin/python3';
const hasTorch =
  existsSync(PY) &&
  spawnSync(PY, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' }).status === 0;
if (!hasTorch)
  console.log(
    'skipped: /usr/bin/python3 with torch, numpy and PIL not found (segmentation training smoke test)',
  );

describe.skipIf(!hasTorch)('segmentation training smoke test (PyTorch → tfjs)', () => {
  it('trains three variants for 3 steps, exports, and the tfjs model matches PyTorch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paplens-seg-smoke-'));
    try {
      const train = spawnSync(
        PY,
        [join(REPO_ROOT, 'training/seg/train.py'), '--smoke', '--out', join(dir, 'run')],
        { encoding: 'utf8' },
      );
      expect(train.status, train.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as {
        steps: number;
      };
      expect(summary.steps).toBe(3);
      for (const v of ['plain', 'residual', 'rse'])
        expect(existsSync(join(dir, 'run', `${v}.pt`))).toBe(true);
      const exp = spawnSync(
        PY,
        [
          join(REPO_ROOT, 'training/seg/export.py'),
          join(dir, 'run', 'rse.pt'),
          '--out',
          join(dir, 'model', 'seg'),
          '--golden',
          join(dir, 'golden'),
        ],
        { encoding: 'utf8' },
      );
      expect(exp.status, exp.stderr).toBe(0);
      await initNodeTf();
      const root = join(dir, 'model');
      const model = await loadSegModel({
        readBytes: async (p) => new Uint8Array(readFileSync(join(root, p))),
        readJson: async <T>(p: string) => JSON.parse(readFileSync(join(root, p), 'utf8')) as T,
      });
      const f32 = (name: string): Float32Array => {
        const b = readFileSync(join(dir, 'golden', name));
        return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      };
      const x = tf.tensor4d(f32('golden-input.f32'), [1, 48, 64, 1]);
      const y = model.predict(x);
      const out = await y.data();
      tf.dispose([x, y]);
      model.dispose();
      const want = f32('golden-output.f32');
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - want[i]));
      expect(maxErr).toBeLessThan(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
