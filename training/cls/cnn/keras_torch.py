"""Build a PyTorch module from a tfjs LayersModel (Keras topology in model.json + weight shards),
and write a (fine-tuned) module back to the same format.

Only the layer kinds used by our four backbones are supported (Conv2D, DepthwiseConv2D,
BatchNormalization, ReLU, LeakyReLU, ZeroPadding2D, MaxPooling2D, Add, Concatenate, Dropout,
GlobalAveragePooling2D). Torch runs NCHW; Keras/tfjs NHWC — kernels are transposed on the way
in and out. 'same' padding follows TensorFlow (extra pixel at the bottom/right) so the torch
graph computes exactly what tfjs computes.
"""
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- weights I/O

def _f16_to_f32(raw):
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32)


def read_weights(model_dir, manifest):
    """name -> float32 numpy array (dequantising uint8/float16 like tfjs does)."""
    out = {}
    for group in manifest:
        buf = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        off = 0
        for w in group['weights']:
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            q = w.get('quantization')
            if q is None:
                assert w['dtype'] == 'float32', w
                arr = np.frombuffer(buf, dtype='<f4', count=n, offset=off).copy()
                off += 4 * n
            elif q['dtype'] == 'uint8':
                raw = np.frombuffer(buf, dtype=np.uint8, count=n, offset=off)
                arr = (raw.astype(np.float32) * np.float32(q['scale']) + np.float32(q['min'])).astype(np.float32)
                off += n
            elif q['dtype'] == 'float16':
                arr = _f16_to_f32(buf[off:off + 2 * n])
                off += 2 * n
            else:
                raise ValueError('unsupported quantization %r' % q)
            out[w['name']] = arr.reshape(w['shape'])
    return out


def load_model_json(model_dir):
    m = json.load(open(os.path.join(model_dir, 'model.json')))
    topo = m['modelTopology']
    cfg = topo.get('model_config', topo)
    return m, cfg, read_weights(model_dir, m['weightsManifest'])


# ---------------------------------------------------------------- layers

def tf_same_pad(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class KConv(nn.Module):
    def __init__(self, cfg, w, depthwise=False):
        super().__init__()
        self.cfg = cfg
        self.depthwise = depthwise
        self.stride = tuple(cfg['strides'])
        self.ksize = tuple(cfg['kernel_size'])
        self.padding = cfg['padding']
        self.activation = cfg.get('activation', 'linear')
        assert tuple(cfg.get('dilation_rate', [1, 1])) == (1, 1)
        assert self.activation in ('linear', 'relu'), self.activation
        name = cfg['name']
        if depthwise:
            k = w[name + '/depthwise_kernel']  # kh,kw,C,mult
            assert k.shape[3] == 1
            self.groups = k.shape[2]
            wt = k.transpose(2, 3, 0, 1)  # C,1,kh,kw
        else:
            k = w[name + '/kernel']  # kh,kw,I,O
            self.groups = 1
            wt = k.transpose(3, 2, 0, 1)
        self.weight = nn.Parameter(torch.from_numpy(np.ascontiguousarray(wt)))
        b = w.get(name + '/bias')
        self.bias = nn.Parameter(torch.from_numpy(b.copy())) if cfg.get('use_bias', True) else None

    def forward(self, x):
        if self.padding == 'same':
            pt, pb = tf_same_pad(x.shape[2], self.ksize[0], self.stride[0])
            pl, pr = tf_same_pad(x.shape[3], self.ksize[1], self.stride[1])
            if pt or pb or pl or pr:
                x = F.pad(x, (pl, pr, pt, pb))
        y = F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)
        return F.relu(y) if self.activation == 'relu' else y


class KBN(nn.BatchNorm2d):
    def __init__(self, cfg, w):
        name = cfg['name']
        g = w[name + '/gamma']
        super().__init__(g.shape[0], eps=cfg['epsilon'], momentum=0.01)
        with torch.no_grad():
            self.weight.copy_(torch.from_numpy(g))
            self.bias.copy_(torch.from_numpy(w[name + '/beta']))
            self.running_mean.copy_(torch.from_numpy(w[name + '/moving_mean']))
            self.running_var.copy_(torch.from_numpy(w[name + '/moving_variance']))


class KGraph(nn.Module):
    """Keras functional graph as a torch module; returns the output of `output` (a layer name)."""

    def __init__(self, cfg, weights, output=None):
        super().__init__()
        layers = cfg['config']['layers']
        self.output = output or cfg['config']['output_layers'][0][0]
        by_name = {l['name']: l for l in layers}
        # keep only ancestors of the output
        needed, stack = set(), [self.output]
        while stack:
            n = stack.pop()
            if n in needed:
                continue
            needed.add(n)
            for node in by_name[n]['inbound_nodes']:
                for inb in node:
                    stack.append(inb[0])
        self.layers = [copy.deepcopy(l) for l in layers if l['name'] in needed]
        self.input_name = cfg['config']['input_layers'][0][0]
        self.mods = nn.ModuleDict()
        for l in self.layers:
            k, c = l['class_name'], l['config']
            if k == 'Conv2D':
                self.mods[self._key(l['name'])] = KConv(c, weights)
            elif k == 'DepthwiseConv2D':
                self.mods[self._key(l['name'])] = KConv(c, weights, depthwise=True)
            elif k == 'BatchNormalization':
                self.mods[self._key(l['name'])] = KBN(c, weights)

    @staticmethod
    def _key(name):
        return name.replace('.', '_').replace('/', '_')

    def forward(self, x, output=None):
        vals = {}
        target = output or self.output
        for l in self.layers:
            k, c, name = l['class_name'], l['config'], l['name']
            ins = [vals[i[0]] for i in l['inbound_nodes'][0]] if l['inbound_nodes'] else [x]
            a = ins[0]
            if k == 'InputLayer':
                y = x
            elif k in ('Conv2D', 'DepthwiseConv2D', 'BatchNormalization'):
                y = self.mods[self._key(name)](a)
            elif k == 'ReLU':
                assert not c.get('negative_slope') and not c.get('threshold')
                y = torch.clamp(a, 0, c['max_value']) if c.get('max_value') is not None else F.relu(a)
            elif k == 'LeakyReLU':
                y = F.leaky_relu(a, c['alpha'])
            elif k == 'ZeroPadding2D':
                (t, b), (le, r) = c['padding']
                y = F.pad(a, (le, r, t, b))
            elif k == 'MaxPooling2D':
                ph, pw = c['pool_size']
                sh, sw = c['strides']
                if c['padding'] == 'same':
                    pt, pb = tf_same_pad(a.shape[2], ph, sh)
                    pl, pr = tf_same_pad(a.shape[3], pw, sw)
                    if pt or pb or pl or pr:
                        a = F.pad(a, (pl, pr, pt, pb), value=float('-inf'))
                y = F.max_pool2d(a, (ph, pw), (sh, sw))
            elif k == 'Add':
                y = ins[0]
                for t in ins[1:]:
                    y = y + t
            elif k == 'Concatenate':
                assert c['axis'] in (-1, 3)
                y = torch.cat(ins, dim=1)
            elif k == 'Dropout':
                y = F.dropout(a, c['rate'], self.training)
            elif k == 'GlobalAveragePooling2D':
                y = a.mean(dim=(2, 3))
            else:
                raise ValueError('unsupported layer ' + k)
            vals[name] = y
            if name == target:
                return y
        raise ValueError('output layer not reached: ' + target)


# ---------------------------------------------------------------- backbones

# Penultimate layer (before the ImageNet classifier) and input normalisation of each backbone.
# 'norm': (scale, offset, mean, std) applied to x in [0,255]: ((x*scale + offset) - mean) / std
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
BACKBONES = {
    'mobilenet': dict(dir='mobilenetv2-1.0', penultimate='relu6_95', mean=IMAGENET_MEAN, std=IMAGENET_STD, scale=1 / 255),
    'mobilenet035': dict(dir='mobilenetv2-0.35', penultimate='out_relu', mean=[1, 1, 1], std=[1, 1, 1], scale=1 / 127.5),
    'squeezenet': dict(dir='squeezenet1.1', penultimate='fire7', mean=IMAGENET_MEAN, std=IMAGENET_STD, scale=1 / 255),
    'darknet': dict(dir='darknet-tiny', penultimate='leaky_re_lu_15', mean=[0, 0, 0], std=[1, 1, 1], scale=1 / 255),
}


def norm_params(spec):
    """Per-channel (a, b) with x_norm = x_uint8 * a + b — the exact affine the TS extractor uses."""
    a = [spec['scale'] / s for s in spec['std']]
    b = [-m / s for m, s in zip(spec['mean'], spec['std'])]
    return a, b


class FeatureNet(nn.Module):
    """Backbone up to the penultimate layer + GAP (= the shipped feature extractor) + 6-class head."""

    def __init__(self, graph, feat_dim, n_classes, norm_a, norm_b, dropout=0.2):
        super().__init__()
        self.graph = graph
        self.register_buffer('na', torch.tensor(norm_a).view(1, 3, 1, 1))
        self.register_buffer('nb', torch.tensor(norm_b).view(1, 3, 1, 1))
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(feat_dim, n_classes)

    def features(self, x_uint8_float):
        """x: N,3,S,S float in [0,255] (already resized) -> N,D GAP features."""
        x = x_uint8_float * self.na + self.nb
        return self.graph(x).mean(dim=(2, 3))

    def forward(self, x):
        return self.head(self.drop(self.features(x)))


def build(name, weights_root, n_classes=6):
    spec = BACKBONES[name]
    m, cfg, w = load_model_json(os.path.join(weights_root, spec['dir']))
    g = KGraph(cfg, w, output=spec['penultimate'])
    with torch.no_grad():
        d = g(torch.zeros(1, 3, 96, 96)).shape[1]
    a, b = norm_params(spec)
    return FeatureNet(g, d, n_classes, a, b), cfg


# ---------------------------------------------------------------- export

def fold_and_export_layers(graph):
    """Return (keras layer list, {weight name: np.float32 HWIO/...}) of `graph` (eval mode)
    with every BatchNormalization folded into the conv that feeds it, plus a final
    GlobalAveragePooling2D named 'features'."""
    layers = copy.deepcopy(graph.layers)
    consumers = {}
    for l in layers:
        for node in l['inbound_nodes']:
            for inb in node:
                consumers.setdefault(inb[0], []).append(l['name'])
    params = {}
    for l in layers:
        k, name = l['class_name'], l['name']
        if k in ('Conv2D', 'DepthwiseConv2D'):
            mod = graph.mods[graph._key(name)]
            params[name] = [mod.weight.detach().double().cpu().numpy(),
                            None if mod.bias is None else mod.bias.detach().double().cpu().numpy()]
    removed = {}
    for l in layers:
        if l['class_name'] != 'BatchNormalization':
            continue
        src = l['inbound_nodes'][0][0][0]
        srcl = next(x for x in layers if x['name'] == src)
        assert srcl['class_name'] in ('Conv2D', 'DepthwiseConv2D'), 'BN after ' + srcl['class_name']
        assert consumers[src] == [l['name']] and srcl['config'].get('activation', 'linear') == 'linear'
        bn = graph.mods[graph._key(l['name'])]
        gamma = bn.weight.detach().double().cpu().numpy()
        beta = bn.bias.detach().double().cpu().numpy()
        mean = bn.running_mean.detach().double().cpu().numpy()
        var = bn.running_var.detach().double().cpu().numpy()
        s = gamma / np.sqrt(var + bn.eps)
        wt, b = params[src]
        b = np.zeros(wt.shape[0]) if b is None else b
        params[src] = [wt * s.reshape(-1, 1, 1, 1), (b - mean) * s + beta]
        srcl['config']['use_bias'] = True
        removed[l['name']] = src
    out_layers = []
    for l in layers:
        if l['name'] in removed:
            continue
        for node in l['inbound_nodes']:
            for inb in node:
                while inb[0] in removed:
                    inb[0] = removed[inb[0]]
        out_layers.append(l)
    last = out_layers[-1]['name']
    out_layers.append({
        'name': 'features', 'class_name': 'GlobalAveragePooling2D',
        'config': {'data_format': 'channels_last', 'name': 'features', 'trainable': True},
        'inbound_nodes': [[[last, 0, 0, {}]]],
    })
    weights = []
    for l in out_layers:
        k, name = l['class_name'], l['name']
        if k == 'Conv2D':
            wt, b = params[name]
            weights.append((name + '/kernel', wt.transpose(2, 3, 1, 0)))
            if b is not None:
                weights.append((name + '/bias', b))
        elif k == 'DepthwiseConv2D':
            wt, b = params[name]
            weights.append((name + '/depthwise_kernel', wt.transpose(2, 3, 0, 1)))
            if b is not None:
                weights.append((name + '/bias', b))
    return out_layers, [(n, a.astype(np.float32)) for n, a in weights]


def quantise(arr, mode, name=''):
    """-> (bytes, quantization dict or None, dequantised float32 array)."""
    if mode == 'float32' or arr.ndim <= 1:
        return arr.astype('<f4').tobytes(), None, arr.astype(np.float32)
    if mode == 'float16':
        h = arr.astype(np.float16)
        return h.tobytes(), {'dtype': 'float16'}, h.astype(np.float32)
    if mode.startswith('chan'):
        # uint8 only when every output channel survives per-tensor quantisation (worst channel's
        # error rms / weight rms below the threshold), else float16 — channels with small
        # weights (BN-folded) are what per-tensor uint8 destroys.
        thr = float(mode[4:])
        b, q, d = quantise(arr, 'uint8')
        ax = 2 if name.endswith('depthwise_kernel') else arr.ndim - 1
        a2 = np.moveaxis(arr, ax, 0).reshape(arr.shape[ax], -1).astype(np.float64)
        d2 = np.moveaxis(d, ax, 0).reshape(arr.shape[ax], -1)
        err = np.sqrt(((a2 - d2) ** 2).mean(1))
        ref = np.sqrt((a2 ** 2).mean(1))
        live = ref > 1e-8
        if not live.any() or float((err[live] / ref[live]).max()) < thr:
            return b, q, d
        return quantise(arr, 'float16')
    if mode.startswith('mixed'):
        # uint8 where per-tensor affine quantisation is accurate (noise/rms below the threshold),
        # float16 elsewhere: BN-folded and depthwise kernels have per-channel ranges that one
        # per-tensor (min, scale) cannot serve (tfjs manifests support per-tensor only).
        thr = float(mode[5:])
        b, q, d = quantise(arr, 'uint8')
        rms = float(np.sqrt(np.mean(arr.astype(np.float64) ** 2))) or 1.0
        if float(np.sqrt(np.mean((d - arr) ** 2))) / rms < thr:
            return b, q, d
        return quantise(arr, 'float16')
    if mode == 'uint8':
        lo, hi = float(arr.min()), float(arr.max())
        # tfjs-converter convention: make 0 exactly representable
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = (hi - lo) / 255.0 if hi > lo else 1.0
        zero = round(-lo / scale)
        lo = -zero * scale
        q = np.clip(np.round((arr - lo) / scale), 0, 255).astype(np.uint8)
        deq = (q.astype(np.float32) * np.float32(scale) + np.float32(lo)).astype(np.float32)
        return q.tobytes(), {'dtype': 'uint8', 'min': lo, 'scale': scale}, deq
    raise ValueError(mode)


def write_tfjs(out_dir, layers, weights, input_size, mode, name, meta=None):
    """Write model.json + weights.bin; returns {weight name: dequantised array}."""
    os.makedirs(out_dir, exist_ok=True)
    layers = copy.deepcopy(layers)
    for l in layers:
        if l['class_name'] == 'InputLayer':
            l['config']['batch_input_shape'] = [None, input_size, input_size, 3]
    input_name = next(l['name'] for l in layers if l['class_name'] == 'InputLayer')
    topo = {
        'class_name': 'Model',
        'config': {'name': name, 'layers': layers, 'input_layers': [[input_name, 0, 0]],
                   'output_layers': [['features', 0, 0]]},
        'keras_version': 'tfjs-layers 4.22.0', 'backend': 'tensor_flow.js',
    }
    blobs, entries, deq = [], [], {}
    for wname, arr in weights:
        b, q, d = quantise(arr, mode, wname)
        e = {'name': wname, 'shape': list(arr.shape), 'dtype': 'float32'}
        if q:
            e['quantization'] = q
        entries.append(e)
        blobs.append(b)
        deq[wname] = d
    with open(os.path.join(out_dir, 'weights.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    mj = {'format': 'layers-model', 'generatedBy': 'paplens training/cls/cnn/export.py',
          'convertedBy': None, 'modelTopology': topo,
          'weightsManifest': [{'paths': ['weights.bin'], 'weights': entries}]}
    if meta:
        mj['userDefinedMetadata'] = meta
    with open(os.path.join(out_dir, 'model.json'), 'w') as f:
        json.dump(mj, f)
    return deq
