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

  it('logs CRIC recall of resampled fields, saves EMA checkpoints and selects by the robust key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paplens-seg-smoke-ema-'));
    try {
      const py = (code: string): string => {
        const r = spawnSync(PY, ['-c', code], { encoding: 'utf8', cwd: dir });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.trim();
      };
      // A tiny CRIC-val stand-in: one 64² field, two labelled points.
      py(
        "import numpy as np; np.savez('cric.npz', points=np.array([[0,20,20,0],[0,40,44,4]],np.int32), f0=(np.random.default_rng(1).random((64,64))*255).astype(np.uint8))",
      );
      const train = spawnSync(
        PY,
        [
          join(REPO_ROOT, 'training/seg/train.py'),
          '--smoke',
          '--variants',
          'rse',
          '--ema',
          '1.0',
          '--cric-val',
          join(dir, 'cric.npz'),
          '--cric-scales',
          '0.5,2',
          '--ckpt-dir',
          join(dir, 'ck'),
          '--out',
          join(dir, 'run'),
        ],
        { encoding: 'utf8' },
      );
      expect(train.status, train.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as {
        evals: { step: number; val: Record<string, unknown> }[];
      };
      expect(summary.evals.map((e) => e.step)).toEqual([2, 3]);
      for (const e of summary.evals)
        for (const k of ['cric_x1', 'cric_max', 'cric_s0.5', 'cric_s2']) {
          const v = e.val[k] as number;
          expect(v >= 0 && v <= 1, `${k} = ${v}`).toBe(true);
        }
      // Decay 1.0: the average never moves, so the weights evaluated and saved are the initial
      // network's at every eval although the trained one changed (integer BN step counters follow
      // the trained network and are left out).
      const same = (a: string, b: string): string =>
        py(
          `import torch; a=torch.load('${a}')['state_dict']; b=torch.load('${b}')['state_dict']; print(all(torch.equal(a[k], b[k]) for k in a if a[k].is_floating_point()))`,
        );
      expect(same('ck/rse-step2.pt', 'ck/rse-step3.pt')).toBe('True');
      const pick = spawnSync(
        PY,
        [
          join(REPO_ROOT, 'training/seg/select_ckpts.py'),
          join(dir, 'picked'),
          '1',
          `${join(dir, 'run')}:${join(dir, 'ck')}:T`,
          '--min-herlev',
          '0',
          '--min-edf',
          '0',
          '--key',
          'robust',
        ],
        { encoding: 'utf8' },
      );
      expect(pick.status, pick.stderr).toBe(0);
      expect(pick.stdout).toMatch(/picked .*T-step[23]\.pt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds weak CRIC labels from points and trains on them with ignored pixels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paplens-seg-smoke-weak-'));
    try {
      const run = (args: string[]): string => {
        const r = spawnSync(PY, args, { encoding: 'utf8', cwd: dir });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.trim();
      };
      run([
        join(REPO_ROOT, 'training/seg/train.py'),
        '--smoke',
        '--variants',
        'rse',
        '--out',
        'init',
      ]);
      run([
        join(REPO_ROOT, 'training/seg/prepare_cric_weak.py'),
        'init/rse.pt',
        'weak.npz',
        '--smoke',
      ]);
      // The smoke field's two points, (30, 40) and (90, 60): a weighted centre disk at each, and
      // only the four label values.
      const check = run([
        '-c',
        "import numpy as np; z=np.load('weak.npz'); l=z['label'][0]; print(z['img'].shape, sorted(set(np.unique(l)) - {0,1,2,255}), int(l[40,30]), int(l[60,90]), int((l==2).sum()))",
      ]);
      expect(check).toBe('(1, 96, 128) [] 2 2 162');
      // Pixels of weight 0 do not change the loss; weight scales a pixel's share.
      const loss = run([
        '-c',
        `import sys, torch; sys.path.insert(0, '${join(REPO_ROOT, 'training/seg')}'); from model import dice_loss
p=torch.tensor([0.9,0.2,0.7]); y=torch.tensor([1.,0.,0.]); w=torch.tensor([1.,1.,0.])
print(round(float(dice_loss(p,y,w)),6), round(float(dice_loss(p[:2],y[:2])),6), round(float(dice_loss(p,y,torch.ones(3))),6), round(float(dice_loss(p,y)),6))`,
      ]).split(' ');
      expect(loss[0]).toBe(loss[1]);
      expect(loss[2]).toBe(loss[3]);
      expect(loss[0]).not.toBe(loss[3]);
      run([
        join(REPO_ROOT, 'training/seg/train.py'),
        '--smoke',
        '--variants',
        'rse',
        '--cric-train',
        'weak.npz',
        '--mix',
        '0.25,0.25,0.25,0.25',
        '--out',
        'run',
      ]);
      const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as {
        steps: number;
      };
      expect(summary.steps).toBe(3);
      // Weight interpolation (training/seg/blend_ckpts.py): the midpoint of two checkpoints.
      run([
        join(REPO_ROOT, 'training/seg/blend_ckpts.py'),
        'init/rse.pt',
        'run/rse.pt',
        '0.5',
        'mid.pt',
      ]);
      expect(
        run([
          '-c',
          "import torch; a,b,m=(torch.load(f)['state_dict'] for f in ('init/rse.pt','run/rse.pt','mid.pt')); print(all(torch.allclose(m[k], (a[k]+b[k])/2) for k in m if m[k].is_floating_point()), any(not torch.equal(a[k], b[k]) for k in a if a[k].is_floating_point()))",
        ]),
      ).toBe('True True');
      // A 4th share without weak labels is a usage error, not a silent 3-set run.
      const bad = spawnSync(
        PY,
        [
          join(REPO_ROOT, 'training/seg/train.py'),
          '--smoke',
          '--mix',
          '0.25,0.25,0.25,0.25',
          '--out',
          'bad',
        ],
        { encoding: 'utf8', cwd: dir },
      );
      expect(bad.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
