"""Fine-tune one ImageNet backbone (tfjs LayersModel from ../shared/weights) on CRIC cell crops.

  python3 training/cls/cnn/train.py --net mobilenet --size 128 --data .devdata/cnn \
      --weights ../shared/weights --out training/runs/cnn/mobilenet-128.pt

Crops come from scripts/export-crops.ts (the shipped cropCell, 96x96 at CRIC field scale).
Recipe (paper): Adam, lr 1e-4 (new head 1e-3), x0.1 every 25 epochs, early stopping on the
validation split's macro-F1; class balance via sqrt-inverse-frequency sampling *and* sqrt-inverse
-frequency loss weights (together ~ fully balanced, with less variance than either alone).
Test crops are never read here.
"""
import argparse
import contextlib
import io
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_torch import build  # noqa: E402


def load_part(data_dir, part, limit=0):
    idx = json.load(open(os.path.join(data_dir, part + '.json')))
    blob = open(os.path.join(data_dir, part + '.bin'), 'rb').read()
    cells = idx['cells'][:limit] if limit else idx['cells']
    s = idx['size']
    x = np.empty((len(cells), s, s, 3), np.uint8)
    for i, c in enumerate(cells):
        raw = blob[c['offset']:c['offset'] + c['length']]
        if idx['format'] == 'jpeg':
            x[i] = np.asarray(Image.open(io.BytesIO(raw)).convert('RGB'))
        else:
            x[i] = np.frombuffer(raw, np.uint8).reshape(s, s, 3)
    y = np.array([c['label'] for c in cells], np.int64)
    return x, y, [c['cellId'] for c in cells]


def macro_f1(y, p, k=6):
    f1s, present = [], 0
    for c in range(k):
        tp = int(((p == c) & (y == c)).sum())
        fp = int(((p == c) & (y != c)).sum())
        fn = int(((p != c) & (y == c)).sum())
        if tp + fn == 0:
            continue
        present += 1
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def resize(x, size):
    """Deterministic resize used at val/test time == tf.image.resizeBilinear(halfPixelCenters)."""
    if x.shape[-1] == size:
        return x
    return F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)


def augment(x, size, gen, shift=4.0 / 48.0):
    """x: N,3,96,96 float [0,255] on device -> N,3,size,size. Random rotation (any angle: cells
    have no orientation), flip, scale 0.9-1.1, shift +-4 px (border = clamp, like cropCell), and a
    mild stain/brightness/contrast jitter."""
    n, dev = x.shape[0], x.device
    ang = torch.rand(n, device=dev, generator=gen) * 2 * np.pi
    sc = 1.0 / (0.9 + 0.2 * torch.rand(n, device=dev, generator=gen))
    flip = torch.where(torch.rand(n, device=dev, generator=gen) < 0.5, -1.0, 1.0)
    t = (torch.rand(n, 2, device=dev, generator=gen) * 2 - 1) * shift
    cos, sin = torch.cos(ang) * sc, torch.sin(ang) * sc
    theta = torch.stack([torch.stack([cos * flip, -sin, t[:, 0]], 1), torch.stack([sin * flip, cos, t[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 3, size, size), align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
    gain = 1 + (torch.rand(n, 3, 1, 1, device=dev, generator=gen) * 2 - 1) * 0.05
    bright = 1 + (torch.rand(n, 1, 1, 1, device=dev, generator=gen) * 2 - 1) * 0.1
    contrast = 1 + (torch.rand(n, 1, 1, 1, device=dev, generator=gen) * 2 - 1) * 0.1
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * contrast + mean
    return (x * gain * bright).clamp(0, 255)


def evaluate(model, x, y, size, bs=256, k=6):
    model.eval()
    probs = []
    with torch.no_grad():
        for i in range(0, len(x), bs):
            xb = resize(x[i:i + bs].float(), size)
            probs.append(torch.softmax(model(xb).float(), 1))
    p = torch.cat(probs).cpu().numpy()
    pred = p.argmax(1)
    yy = y.cpu().numpy()
    return {'macro_f1': macro_f1(yy, pred, k), 'accuracy': float((pred == yy).mean())}, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--net', required=True)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--data', default='.devdata/cnn')
    ap.add_argument('--weights', default='../shared/weights')
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=60)
    ap.add_argument('--patience', type=int, default=15)
    ap.add_argument('--step', type=int, default=25)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=1e-4)
    ap.add_argument('--head-lr', type=float, default=1e-3)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--time-limit', type=float, default=1e9, help='seconds; stop and keep the best so far')
    ap.add_argument('--limit', type=int, default=0, help='smoke test: use only the first N crops per part')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--classes', type=int, default=6, help='number of classes (6 CRIC Bethesda, 7 Herlev)')
    ap.add_argument('--shift', type=float, default=4.0 / 48.0, help='max shift as a fraction of half the side')
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if dev.type == 'cuda':
        torch.backends.cudnn.benchmark = True

    xtr, ytr, _ = load_part(args.data, 'train', args.limit)
    xva, yva, va_ids = load_part(args.data, 'val', args.limit)
    xtr = torch.from_numpy(xtr).permute(0, 3, 1, 2).contiguous().to(dev)
    xva = torch.from_numpy(xva).permute(0, 3, 1, 2).contiguous().to(dev)
    ytr_t = torch.from_numpy(ytr).to(dev)
    yva_t = torch.from_numpy(yva).to(dev)

    model, _ = build(args.net, args.weights, args.classes)
    model.to(dev)
    counts = np.bincount(ytr, minlength=args.classes).astype(np.float64)
    w_cls = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    loss_w = torch.tensor(w_cls / (w_cls * counts).sum() * counts.sum(), dtype=torch.float32, device=dev)
    samp_p = torch.tensor(w_cls[ytr] / w_cls[ytr].sum(), dtype=torch.float32, device=dev)

    head_params = list(model.head.parameters())
    hp = {id(p) for p in head_params}
    opt = torch.optim.Adam([
        {'params': [p for p in model.parameters() if id(p) not in hp], 'lr': args.lr},
        {'params': head_params, 'lr': args.head_lr},
    ])
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=args.step, gamma=0.1)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    use_amp = dev.type == 'cuda'

    best, best_state, best_probs, log, bad = -1.0, None, None, [], 0
    n_iter = max(1, len(ytr) // args.batch)
    for ep in range(args.epochs):
        model.train()
        idx = torch.multinomial(samp_p, n_iter * args.batch, replacement=True, generator=gen)
        tl = 0.0
        for it in range(n_iter):
            b = idx[it * args.batch:(it + 1) * args.batch]
            xb = augment(xtr[b].float(), args.size, gen, args.shift)
            with (torch.autocast(device_type='cuda', dtype=torch.bfloat16) if use_amp else contextlib.nullcontext()):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), ytr_t[b], weight=loss_w)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tl += float(loss)
        sched.step()
        m, p = evaluate(model, xva, yva_t, args.size, k=args.classes)
        rec = {'epoch': ep + 1, 'train_loss': tl / n_iter, **m, 't': round(time.time() - t0, 1)}
        log.append(rec)
        print(json.dumps({'net': args.net, 'size': args.size, **rec}), flush=True)
        if m['macro_f1'] > best:
            best, bad, best_probs = m['macro_f1'], 0, p
            best_state = {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()}
            best_rec = rec
        else:
            bad += 1
        if bad >= args.patience or time.time() - t0 > args.time_limit:
            break
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save({'net': args.net, 'size': args.size, 'state_dict': best_state, 'best': best_rec, 'log': log,
                'val_probs': torch.from_numpy(best_probs), 'val_labels': yva.tolist(), 'val_ids': va_ids, 'args': vars(args),
                'train_counts': counts.tolist(), 'device': str(dev),
                'torch': torch.__version__}, args.out)
    print(json.dumps({'done': args.net, 'size': args.size, 'best': best_rec, 'secs': round(time.time() - t0, 1)}),
          flush=True)


if __name__ == '__main__':
    main()
