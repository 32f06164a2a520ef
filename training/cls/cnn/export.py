"""Export fine-tuned checkpoints (train.py) to tfjs LayersModels for the app, pick the weight
precision on validation, and write the parity fixtures and the model-card JSON.

  /usr/bin/python3 training/cls/cnn/export.py \
      --ckpt mobilenet=training/runs/cnn/gpu/mobilenet-128.pt \
      --ckpt squeezenet=training/runs/cnn/gpu/squeezenet-128.pt \
      --ckpt darknet=training/runs/cnn/gpu/darknet-128.pt \
      --val .devdata/cnn-raw --weights ../shared/weights

For each network: BatchNorm is folded into the preceding conv, the graph is cut at the
penultimate layer + GAP ('features'), and weights are written as uint8 (per-tensor affine, the
tfjs weightsManifest `quantization` field), else float16, else float32 — the smallest whose val
macro-F1 (features of the *written* model -> the fine-tuning head) stays within --tol of float32.
Val crops are the raw (not re-encoded) output of scripts/export-crops.ts --format raw.
Parity reference: the written model.json re-read by keras_torch (dequantised exactly like tfjs)
on a synthetic golden input; tests/deep-parity.test.ts checks tfjs against it.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_torch import BACKBONES, KGraph, build, fold_and_export_layers, load_model_json, write_tfjs  # noqa: E402
from train import load_part, macro_f1  # noqa: E402

CLASSES = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC']
HERLEV_CLASSES = ['normal_superficiel', 'normal_intermediate', 'normal_columnar', 'light_dysplastic',
                  'moderate_dysplastic', 'severe_dysplastic', 'carcinoma_in_situ']


def sha256(p):
    return hashlib.sha256(open(p, 'rb').read()).hexdigest()


def feats_of(graph, x_uint8, size, na, nb, bs=64):
    """graph ends in GAP ('features'); x: N,H,W,3 uint8 numpy -> N,D float32."""
    out = []
    with torch.no_grad():
        for i in range(0, len(x_uint8), bs):
            xb = torch.from_numpy(x_uint8[i:i + bs]).permute(0, 3, 1, 2).float()
            if xb.shape[-1] != size:
                xb = F.interpolate(xb, size=(size, size), mode='bilinear', align_corners=False)
            out.append(graph(xb * na + nb))
    return torch.cat(out)


def report(y, logits):
    pred = logits.argmax(1).numpy()
    classes = CLASSES if logits.shape[1] == len(CLASSES) else HERLEV_CLASSES
    normal = [i for i, c in enumerate(classes) if c == 'NILM' or c.startswith('normal_')]
    per = {}
    for c, name in enumerate(classes):
        tp = int(((pred == c) & (y == c)).sum())
        sup = int((y == c).sum())
        per[name] = {'recall': tp / sup if sup else None, 'support': sup}
    ab_true = ~np.isin(y, normal)
    ab_pred = ~np.isin(pred, normal)
    return {
        'macro_f1': round(macro_f1(y, pred, len(classes)), 4),
        'accuracy': round(float((pred == y).mean()), 4),
        'nilm_vs_abnormal': {
            'sensitivity': round(float((ab_pred & ab_true).sum() / max(1, ab_true.sum())), 4),
            'specificity': round(float((~ab_pred & ~ab_true).sum() / max(1, (~ab_true).sum())), 4),
        },
        'per_class_recall': {k: (None if v['recall'] is None else round(v['recall'], 4)) for k, v in per.items()},
    }


def golden_input(seed=20261126, n=2, s=96):
    """Synthetic cell-like RGBA crops (pink background, darker purple nucleus, noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
    imgs = []
    for k in range(n):
        cx, cy = s / 2 + rng.uniform(-6, 6), s / 2 + rng.uniform(-6, 6)
        rx, ry = rng.uniform(8, 18), rng.uniform(8, 18)
        nuc = (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2) <= 1
        cyto = (((xx - cx) / (rx * 2.5)) ** 2 + ((yy - cy) / (ry * 2.5)) ** 2) <= 1
        base = np.array([225, 205, 215], np.float32) - 30 * k
        img = np.ones((s, s, 3), np.float32) * base
        img[cyto] = [190, 170, 200]
        img[nuc] = [90, 60, 130]
        img += rng.normal(0, 8, img.shape)
        rgba = np.concatenate([np.clip(np.round(img), 0, 255), np.full((s, s, 1), 255)], 2).astype(np.uint8)
        imgs.append(rgba)
    return np.stack(imgs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', action='append', required=True, help='name=path.pt (name in mobilenet|squeezenet|darknet)')
    ap.add_argument('--val', default='.devdata/cnn-raw')
    ap.add_argument('--weights', default='../shared/weights')
    ap.add_argument('--out', default='public/models/cnn')
    ap.add_argument('--fixtures', default='tests/fixtures/cnn')
    ap.add_argument('--tol', type=float, default=0.01)
    ap.add_argument('--modes', default='uint8,mixed0.02,chan0.05,chan0.1,chan0.2,float16,float32')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--prefix', default='cnn', help='model path prefix inside public/models written to cnn.json')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    xva, yva, _ = load_part(args.val, 'val')
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.fixtures, exist_ok=True)
    gold = golden_input()
    gold.tofile(os.path.join(args.fixtures, 'golden-input.rgba'))
    cfg_path = os.path.join(args.out, 'cnn.json')
    cnn_cfg = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {'version': '', 'cropSize': 96, 'nets': {}}
    card_path = os.path.join(args.out, 'model-card.json')
    card = json.load(open(card_path)) if os.path.exists(card_path) else {'nets': {}}

    for item in args.ckpt:
        name, path = item.split('=', 1)
        ck = torch.load(path, map_location='cpu')
        net, size = ck['net'], ck['size']
        n_classes = int(ck['state_dict']['head.weight'].shape[0])
        model, _ = build(net, args.weights, n_classes)
        model.load_state_dict(ck['state_dict'])
        model.eval()
        na, nb = model.na, model.nb
        with torch.no_grad():
            f_ref = feats_of(lambda x: model.graph(x).mean(dim=(2, 3)), xva, size, na, nb)
            float_rep = report(yva, model.head(f_ref))
        layers, weights = fold_and_export_layers(model.graph)
        results, chosen = {}, None
        tmp = tempfile.mkdtemp()
        for mode in args.modes.split(','):
            d = os.path.join(tmp, mode)
            write_tfjs(d, layers, weights, size, mode, name)
            _, cfg, w = load_model_json(d)
            g = KGraph(cfg, w).eval()
            f = feats_of(g, xva, size, na, nb)
            with torch.no_grad():
                rep = report(yva, model.head(f))
            rel = float((f - f_ref).abs().max() / f_ref.abs().max())
            rep['max_rel_feature_err_vs_float'] = rel
            rep['bytes'] = os.path.getsize(os.path.join(d, 'weights.bin'))
            results[mode] = rep
            print(name, mode, json.dumps(rep), flush=True)
        # smallest file whose val macro-F1 stays within tol of the float32 model
        ok = [m for m, r in results.items() if r['macro_f1'] >= float_rep['macro_f1'] - args.tol]
        chosen = min(ok, key=lambda m: results[m]['bytes']) if ok else 'float32'
        dst = os.path.join(args.out, name)
        shutil.rmtree(dst, ignore_errors=True)
        write_tfjs(dst, layers, weights, size, chosen, name,
                   meta={'paplens': {'net': name, 'backbone': BACKBONES[net]['dir'], 'inputSize': size}})
        shutil.rmtree(tmp, ignore_errors=True)
        # parity reference from the shipped files
        _, cfg, w = load_model_json(dst)
        g = KGraph(cfg, w).eval()
        ref = feats_of(g, np.ascontiguousarray(gold[..., :3]), size, na, nb).numpy().astype('<f4')
        ref.tofile(os.path.join(args.fixtures, name + '-features.f32'))
        dim = int(ref.shape[1])
        cnn_cfg['nets'][name] = {
            'path': '%s/%s/model.json' % (args.prefix, name),
            'backbone': BACKBONES[net]['dir'],
            'inputSize': size,
            'featureDim': dim,
            'norm': {'a': [float(v) for v in na.view(-1)], 'b': [float(v) for v in nb.view(-1)]},
            'quantization': chosen,
        }
        files = {f: {'bytes': os.path.getsize(os.path.join(dst, f)), 'sha256': sha256(os.path.join(dst, f))}
                 for f in sorted(os.listdir(dst))}
        log = ck['log']
        card['nets'][name] = {
            'backbone': BACKBONES[net]['dir'],
            'penultimate_layer': BACKBONES[net]['penultimate'] + ' + GlobalAveragePooling2D',
            'input_size': size, 'feature_dim': dim,
            'checkpoint': os.path.basename(path), 'trained_on': ck['device'] + ' torch ' + ck['torch'],
            'seed': ck['args']['seed'],
            'epochs_run': len(log), 'best_epoch': ck['best']['epoch'],
            'hyper': {k: ck['args'][k] for k in ('epochs', 'patience', 'step', 'batch', 'lr', 'head_lr', 'time_limit')},
            'train_counts': dict(zip(CLASSES if n_classes == len(CLASSES) else HERLEV_CLASSES,
                                     [int(c) for c in ck['train_counts']])),
            'val_during_training_jpeg_crops': {'macro_f1': round(ck['best']['macro_f1'], 4),
                                               'accuracy': round(ck['best']['accuracy'], 4)},
            'val_float32': float_rep,
            'val_by_precision': results,
            'shipped_precision': chosen,
            'files': files,
        }
        print('shipped', name, chosen, files, flush=True)

    cnn_cfg['version'] = hashlib.sha256(json.dumps(card['nets'], sort_keys=True).encode()).hexdigest()[:12]
    json.dump(cnn_cfg, open(cfg_path, 'w'), indent=1)
    json.dump(card, open(card_path, 'w'), indent=1)
    json.dump({'golden': 'golden-input.rgba', 'shape': [int(v) for v in gold.shape],
               'nets': {n: {'features': n + '-features.f32', 'dim': c['featureDim'], 'quantization': c['quantization']}
                        for n, c in cnn_cfg['nets'].items()}},
              open(os.path.join(args.fixtures, 'fixtures.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
