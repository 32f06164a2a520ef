"""Train the segmentation ablation variants in lockstep: every step draws ONE augmented batch and
updates each variant on it, so plain U-Net, residual U-Net and Residual SE-UNet get the same data,
the same steps and the same seed. Model selection: best mean val Dice (Herlev-SD, ISBI synthetic,
ISBI EDF val splits), evaluated every --eval-every steps. Augmentation runs on the device (GPU when
present): dihedral flips/90-degree rotations, scale jitter, stain (per-channel RGB gain/offset on
Herlev before grey conversion), brightness/contrast/gamma, noise.

  /usr/bin/python3 training/seg/train.py --out training/runs/seg            # real run
  /usr/bin/python3 training/seg/train.py --smoke --out /tmp/seg-smoke       # CI smoke (random data)
"""
import argparse
import contextlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import SegNet, dice_loss

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LUMA = (0.299, 0.587, 0.114)


def log(fh, msg):
    print(msg, flush=True)
    if fh:
        fh.write(msg + '\n')
        fh.flush()


def smoke_data(rng):
    """Random dark blobs on a light background, shaped like the real arrays."""
    def blobs(n, h, w, ch):
        yy, xx = np.mgrid[0:h, 0:w]
        imgs = np.full((n, h, w, ch) if ch else (n, h, w), 220, np.uint8)
        masks = np.zeros((n, h, w), np.uint8)
        for i in range(n):
            for _ in range(3):
                cy, cx, r = rng.integers(8, h - 8), rng.integers(8, w - 8), rng.integers(4, 9)
                m = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
                masks[i][m] = 1
                imgs[i][m] = 60
        return imgs, masks
    d = {}
    for p in ('train', 'val'):
        d[f'herlev_{p}_img'], d[f'herlev_{p}_mask'] = blobs(4, 64, 64, 3)
        d[f'synthetic_{p}_img'], d[f'synthetic_{p}_mask'] = blobs(2, 128, 128, 0)
        d[f'edf_{p}_img'], d[f'edf_{p}_mask'] = blobs(1, 128, 128, 0)
    return d


class Sampler:
    """Draws augmented (B,1,P,P) grey patches + masks on `dev` with affine grid sampling."""

    def __init__(self, d, dev, patch, weights, gen, field_zoom=(1 / 1.4, 1.4), cell_zoom=(1 / 1.4, 1.4), stain=1.0, core_share=0.0,
                 cric=None, point_weight=4.0):
        self.dev, self.patch, self.gen = dev, patch, gen
        self.field_zoom = field_zoom
        self.cell_zoom = cell_zoom
        self.stain = stain
        self.core_share = core_share
        t = lambda a: torch.from_numpy(a).to(dev)
        self.sets = {
            'herlev': (t(d['herlev_train_img']).permute(0, 3, 1, 2).float() / 255, t(d['herlev_train_mask']).float()[:, None]),
            'synthetic': (t(d['synthetic_train_img']).float()[:, None] / 255, t(d['synthetic_train_mask']).float()[:, None]),
            'edf': (t(d['edf_train_img']).float()[:, None] / 255, t(d['edf_train_mask']).float()[:, None]),
        }
        if cric is not None:
            # Weak CRIC train labels (prepare_cric_weak.py): 0 background, 1 nucleus, 2 labelled centre, 255 ignored.
            self.sets['cric'] = (t(cric['img']).float()[:, None] / 255, t(cric['label']).float()[:, None])
        self.point_weight = point_weight
        self.names = [k for k in weights if k in self.sets]
        weights = {k: weights[k] for k in self.names}
        self.w = torch.tensor([weights[k] for k in self.names], dtype=torch.float)

    def rand(self, *shape):
        return torch.rand(*shape, generator=self.gen).to(self.dev)

    def batch(self, bsz):
        counts = torch.bincount(torch.multinomial(self.w, bsz, True, generator=self.gen), minlength=len(self.names))
        xs, ys, ws = [], [], []
        for name, n in zip(self.names, counts.tolist()):
            if n == 0:
                continue
            img, msk = self.sets[name]
            idx = torch.randint(0, img.shape[0], (n,), generator=self.gen).to(self.dev)
            im, mk = img[idx], msk[idx]
            H = im.shape[2]
            if name == 'herlev':
                # Stain jitter in RGB, then the BT.601 grey conversion the app uses.
                # --stain widens it (2.0: +-30 % gain, +-0.1 offset per channel, and a brighter
                # background pull) towards pale pink/blue liquid-based cytoplasm on white.
                gain = 1 + (self.rand(n, 3, 1, 1) - 0.5) * 0.3 * self.stain
                off = (self.rand(n, 3, 1, 1) - 0.5) * 0.1 * self.stain
                im = (im * gain + off).clamp(0, 1)
                if self.stain > 1:
                    # Lighten the light parts only (cytoplasm, background), keeping nuclei dark.
                    lift = self.rand(n, 1, 1, 1) * 0.25 * (self.stain - 1)
                    im = im + lift * im * (1 - im)
                im = LUMA[0] * im[:, :1] + LUMA[1] * im[:, 1:2] + LUMA[2] * im[:, 2:3]
            # Scale jitter: zoom s (output px per working-scale px), log-uniform; cells --cell-zoom,
            # fields --field-zoom (both default [0.71, 1.4]).
            lo, hi = self.cell_zoom if name == 'herlev' else self.field_zoom
            s = torch.exp(math.log(lo) + self.rand(n) * (math.log(hi) - math.log(lo)))
            if self.core_share > 0:
                # A share of the patches stays near the working scale ([0.71, 1.4]): with the wide
                # range alone (0.4-2.5) CRIC val point recall fell from 0.85 to 0.73 in 1200 steps.
                core = torch.exp((self.rand(n) * 2 - 1) * math.log(1.4))
                s = torch.where(self.rand(n) < self.core_share, core, s)
            half = self.patch / (s * H)  # half-span of the patch in normalised input coords
            if name == 'herlev':
                # Whole cell in view; reflection padding around it, as inference pads small inputs.
                c = (self.rand(n, 2) - 0.5) * 0.3
            else:
                c = (self.rand(n, 2) * 2 - 1) * (1 - half[:, None]).clamp(min=0)
            k = torch.randint(0, 4, (n,), generator=self.gen).to(self.dev)
            flip = (self.rand(n) < 0.5).float() * 2 - 1
            cos = torch.tensor([1.0, 0.0, -1.0, 0.0], device=self.dev)[k]
            sin = torch.tensor([0.0, 1.0, 0.0, -1.0], device=self.dev)[k]
            theta = torch.zeros(n, 2, 3, device=self.dev)
            theta[:, 0, 0] = cos * flip * half
            theta[:, 0, 1] = -sin * half
            theta[:, 1, 0] = sin * flip * half
            theta[:, 1, 1] = cos * half
            theta[:, :, 2] = c
            grid = F.affine_grid(theta, (n, 1, self.patch, self.patch), align_corners=False)
            x = F.grid_sample(im, grid, mode='bilinear', padding_mode='reflection', align_corners=False)
            y = F.grid_sample(mk, grid, mode='nearest', padding_mode='reflection', align_corners=False)
            # Brightness / contrast / gamma / noise on grey.
            x = x.clamp(1e-4, 1) ** torch.exp((self.rand(n, 1, 1, 1) - 0.5) * 0.7)
            m = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - m) * (0.75 + 0.55 * self.rand(n, 1, 1, 1)) + m + (self.rand(n, 1, 1, 1) - 0.5) * 0.2
            x = x + torch.randn(x.shape, generator=self.gen).to(self.dev) * 0.03 * self.rand(n, 1, 1, 1)
            xs.append(x.clamp(0, 1))
            if name == 'cric':
                ws.append(torch.where(y == 255, 0.0, torch.where(y == 2, self.point_weight, 1.0)))
                ys.append(((y == 1) | (y == 2)).float())
            else:
                ws.append(torch.ones_like(y))
                ys.append(y)
        return torch.cat(xs), torch.cat(ys), torch.cat(ws)


def pad_reflect(x, mult, minimum):
    """Centre reflection padding to max(minimum, multiple of mult), as src/core/segment pads inputs."""
    h, w = x.shape[-2:]
    H = max(minimum, -(-h // mult) * mult)
    W = max(minimum, -(-w // mult) * mult)
    top, left = (H - h) // 2, (W - w) // 2
    return F.pad(x, (left, W - w - left, top, H - h - top), mode='reflect'), top, left


@torch.no_grad()
def evaluate(model, val, dev, mult):
    model.eval()
    out = {}
    for name, (imgs, masks) in val.items():
        inter = ps = gs = 0.0
        for im, mk in zip(imgs, masks):
            x = torch.from_numpy(im).float().to(dev)
            x = (LUMA[0] * x[..., 0] + LUMA[1] * x[..., 1] + LUMA[2] * x[..., 2]) if x.dim() == 3 else x
            x = torch.round(x) / 255 if x.dim() == 2 else x
            h, w = x.shape
            xp, top, left = pad_reflect(x[None, None], mult, 128)
            p = model(xp)[0, 0, top:top + h, left:left + w] > 0.5
            g = torch.from_numpy(mk).to(dev) > 0
            inter += (p & g).sum().item()
            ps += p.sum().item()
            gs += g.sum().item()
        out[name] = 2 * inter / max(ps + gs, 1)
    model.train()
    out['mean'] = float(np.mean([out[k] for k in val]))
    return out


def load_cric_val(path):
    z = np.load(path)
    n = len([k for k in z.files if k.startswith('f')])
    return [z[f'f{i}'] for i in range(n)], z['points']


@torch.no_grad()
def zoom_probs(model, x, mult, zooms=(0.7,)):
    """Probability maps (H, W) of a (1, 1, H, W) field for the x1 pass and each extra zoom pass,
    resized back to the field, as the shipped field pipeline computes them before taking the max."""
    H, W = x.shape[-2:]
    probs = []
    for z in (1.0,) + tuple(zooms):
        xi = x if z == 1 else F.interpolate(x, scale_factor=z, mode='bilinear', align_corners=False)
        h, w = xi.shape[-2:]
        xp = F.pad(xi, (0, (-w) % mult, 0, (-h) % mult), mode='reflect')
        p = model(xp)[:, :, :h, :w]
        if z != 1:
            p = F.interpolate(p, size=(H, W), mode='bilinear', align_corners=False)
        probs.append(p[0, 0])
    return probs


@torch.no_grad()
def cric_point_recall(model, cric, dev, mult, zooms=(0.7,), scales=()):
    """CRIC VAL point recall as the shipped field pipeline scores it, minus post-processing:
    probability >= 0.5 at the labelled centre, for the x1 pass and for max(x1, extra zoom passes).
    `scales`: also the x1-pass recall of the field resampled by s with no rescaling back to the
    working scale (how much a wrong scale estimate costs the network)."""
    model.eval()
    fields, pts = cric
    hit1 = np.zeros(len(pts), bool)
    hitm = np.zeros(len(pts), bool)
    hits = {s: np.zeros(len(pts), bool) for s in scales}
    for i, g in enumerate(fields):
        sel = pts[:, 0] == i
        if not sel.any():
            continue
        x = torch.from_numpy(g).float().to(dev)[None, None] / 255
        H, W = g.shape
        probs = zoom_probs(model, x, mult, zooms)
        p1 = probs[0]
        pm = torch.stack(probs).amax(0)
        ys = torch.from_numpy(np.minimum(pts[sel, 2], H - 1)).long().to(dev)
        xs = torch.from_numpy(np.minimum(pts[sel, 1], W - 1)).long().to(dev)
        hit1[sel] = (p1[ys, xs] >= 0.5).cpu().numpy()
        hitm[sel] = (pm[ys, xs] >= 0.5).cpu().numpy()
        for s in scales:
            xi = F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=False)
            h, w = xi.shape[-2:]
            p = model(F.pad(xi, (0, (-w) % mult, 0, (-h) % mult), mode='reflect'))[0, 0, :h, :w]
            ys_s = torch.clamp((ys.float() * s).long(), max=h - 1)
            xs_s = torch.clamp((xs.float() * s).long(), max=w - 1)
            hits[s][sel] = (p[ys_s, xs_s] >= 0.5).cpu().numpy()
    model.train()
    per_class = {c: float(hitm[pts[:, 3] == k].mean()) for k, c in enumerate(['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'])
                 if (pts[:, 3] == k).any()}
    out = {'cric_x1': float(hit1.mean()), 'cric_max': float(hitm.mean()), 'cric_class_max': per_class}
    out.update({f'cric_s{s:g}': float(h.mean()) for s, h in hits.items()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(REPO, '.devdata', 'seg', 'seg_data.npz'))
    ap.add_argument('--out', required=True)
    ap.add_argument('--variants', default='plain,residual,rse')
    ap.add_argument('--base', type=int, default=16)
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--steps', type=int, default=4000)
    ap.add_argument('--time-limit', type=float, default=1e9, help='seconds; stops all variants at the same step')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--patch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--eval-every', type=int, default=250)
    ap.add_argument('--seed', type=int, default=20261126)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--smoke', action='store_true', help='tiny model, random data, 3 steps')
    ap.add_argument('--init', help='checkpoint to fine-tune from (one variant)')
    ap.add_argument('--field-zoom', default='0.714,1.4', help='zoom range for ISBI field patches')
    ap.add_argument('--cell-zoom', default='0.714,1.4', help='zoom range for Herlev cell patches')
    ap.add_argument('--zoom-core-share', type=float, default=0.0, help='share of patches drawn from [0.71, 1.4] instead')
    ap.add_argument('--stain', type=float, default=1.0, help='stain jitter strength on Herlev RGB (1 = original)')
    ap.add_argument('--warmup', type=int, default=100)
    ap.add_argument('--cric-val', help='npz from prepare_cric_val.py: log CRIC VAL point recall at each eval')
    ap.add_argument('--cric-scales', default='', help='also log CRIC val x1-pass recall with fields resampled by each s (e.g. 0.5,2)')
    ap.add_argument('--ckpt-dir', help='also save a checkpoint at every eval (selection on val afterwards)')
    ap.add_argument('--ema', type=float, default=0.0,
                    help='evaluate and save an exponential moving average of the weights (decay per step, e.g. 0.995)')
    ap.add_argument('--mix', default='0.4,0.3,0.3', help='batch share herlev,synthetic,edf[,cric]')
    ap.add_argument('--cric-train', help='npz from prepare_cric_weak.py: weak CRIC TRAIN labels as a 4th set (--mix)')
    ap.add_argument('--skip-start-eval', action='store_true', help='with --init: no eval at step 0 (already known; it costs minutes on a CPU)')
    ap.add_argument('--point-weight', type=float, default=4.0, help='loss weight of the labelled CRIC centre disks')
    a = ap.parse_args()
    if a.smoke:
        a.base, a.steps, a.batch, a.patch, a.eval_every = 4, 3, 4, 64, 2
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    fh = open(os.path.join(a.out, 'train.log'), 'w')
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    d = smoke_data(np.random.default_rng(a.seed)) if a.smoke else dict(np.load(a.data))
    gen = torch.Generator().manual_seed(a.seed)
    fz = tuple(float(v) for v in a.field_zoom.split(','))
    mix = [float(v) for v in a.mix.split(',')]
    cz = tuple(float(v) for v in a.cell_zoom.split(','))
    cric_train = dict(np.load(a.cric_train)) if a.cric_train else None
    if (len(mix) == 4) != bool(cric_train):
        ap.error('--mix takes a 4th share (cric) exactly when --cric-train is given')
    sampler = Sampler(d, dev, a.patch, dict(zip(('herlev', 'synthetic', 'edf', 'cric'), mix)), gen, fz, cz, a.stain,
                      a.zoom_core_share, cric_train, a.point_weight)
    cric = load_cric_val(a.cric_val) if a.cric_val else None
    sc = tuple(float(x) for x in a.cric_scales.split(',') if x)
    evals = []
    val = {k: (d[f'{k}_val_img'], d[f'{k}_val_mask']) for k in ('herlev', 'synthetic', 'edf')}
    variants = a.variants.split(',')
    models, opts, scheds, best = {}, {}, {}, {}
    progress = [0.0]
    for v in variants:
        torch.manual_seed(a.seed)  # same init seed for every variant
        models[v] = SegNet(v, a.base, a.depth).to(dev)
        if a.init:
            ck = torch.load(a.init, map_location='cpu')
            models[v] = SegNet(**ck['config']).to(dev)
            models[v].load_state_dict(ck['state_dict'])
        opts[v] = torch.optim.Adam(models[v].parameters(), lr=a.lr)
        # Warm-up then cosine decay over the run's progress: the larger of steps done / --steps and
        # seconds used / --time-limit, so a time-bound run still ends at a small learning rate.
        scheds[v] = torch.optim.lr_scheduler.LambdaLR(
            opts[v], lambda s: min(1.0, (s + 1) / max(a.warmup, 1)) * 0.5 * (1 + math.cos(math.pi * min(progress[0], 1.0))))
        best[v] = {'score': -1.0}
    # EMA copies (weights and BN statistics): CRIC val recall swings by +-0.1 between raw checkpoints
    # 150 steps apart (gpu-robust.sh run), an average over the last few hundred steps is steadier.
    emas = {}
    if a.ema > 0:
        for v in variants:
            emas[v] = SegNet(**models[v].config).to(dev)
            emas[v].load_state_dict(models[v].state_dict())
    log(fh, f'device={dev} torch={torch.__version__} args={vars(a)}')
    for v in variants:
        log(fh, f'{v}: {sum(p.numel() for p in models[v].parameters())} parameters')
    use_amp = dev.type == 'cuda'
    t0 = time.time()
    losses = {v: [] for v in variants}
    step = 0

    def eval_all(step):
        msg = [f'step {step} t={time.time() - t0:.0f}s']
        for v in variants:
            m = emas.get(v, models[v])
            r = evaluate(m, val, dev, 2**a.depth)
            tl = np.nanmean(losses[v][-a.eval_every:]) if any(np.isfinite(losses[v][-a.eval_every:])) else float('nan')
            extra = ''
            if cric:
                c = cric_point_recall(m, cric, dev, 2**a.depth, scales=sc)
                r.update(c)
                extra = f' cric val x1 {c["cric_x1"]:.4f} max {c["cric_max"]:.4f}' + ''.join(
                    f' s{x:g} {c[f"cric_s{x:g}"]:.4f}' for x in sc)
            msg.append(f'{v}: loss {tl:.4f} val dice herlev {r["herlev"]:.4f} synth {r["synthetic"]:.4f} edf {r["edf"]:.4f} mean {r["mean"]:.4f}{extra}')
            ck = {'config': m.config, 'state_dict': {k: t.detach().cpu() for k, t in m.state_dict().items()},
                  'step': step, 'val': r}
            if a.ckpt_dir:
                os.makedirs(a.ckpt_dir, exist_ok=True)
                torch.save(ck, os.path.join(a.ckpt_dir, f'{v}-step{step}.pt'))
            evals.append({'variant': v, 'step': step, 'val': r})
            if r['mean'] > best[v]['score']:
                best[v] = {'score': r['mean'], 'step': step, 'val': r}
                torch.save(ck, os.path.join(a.out, f'{v}.pt'))
        log(fh, ' | '.join(msg))

    if a.init and not a.smoke and not a.skip_start_eval:
        eval_all(0)  # the starting point, for comparison
    for step in range(1, a.steps + 1):
        progress[0] = max(step / a.steps, (time.time() - t0) / a.time_limit)
        x, y, w = sampler.batch(a.batch)
        for v in variants:
            with (torch.autocast(device_type='cuda', dtype=torch.bfloat16) if use_amp else contextlib.nullcontext()):
                p = models[v](x)
            loss = dice_loss(p.float(), y, w)
            opts[v].zero_grad(set_to_none=True)
            loss.backward()
            opts[v].step()
            scheds[v].step()
            if v in emas:
                with torch.no_grad():
                    for (k, e), t in zip(emas[v].state_dict().items(), models[v].state_dict().values()):
                        if e.dtype.is_floating_point:
                            e.mul_(a.ema).add_(t.detach(), alpha=1 - a.ema)
                        else:
                            e.copy_(t)
            losses[v].append(loss.item() if step % 25 == 0 or a.smoke else float('nan'))
        last = step == a.steps or time.time() - t0 > a.time_limit
        if step % a.eval_every == 0 or last:
            eval_all(step)
        if last:
            break
    elapsed = time.time() - t0
    summary = {'steps': step, 'planned_steps': a.steps, 'seconds': round(elapsed, 1), 'device': str(dev),
               'torch': torch.__version__, 'gpu': torch.cuda.get_device_name(0) if dev.type == 'cuda' else None,
               'args': vars(a), 'best': best, 'evals': evals}
    json.dump(summary, open(os.path.join(a.out, 'summary.json'), 'w'), indent=1)
    log(fh, json.dumps(summary))


if __name__ == '__main__':
    main()
