"""Residual SE-UNet (Chowdary et al., "Residual SE UNet" section) and its ablations.

Block variants (same layout, same widths, so the ablation changes one thing at a time):
  plain     conv3x3-BN-ReLU-conv3x3-BN-ReLU                      (standard U-Net block)
  residual  conv3x3-BN-ReLU-conv3x3-BN (+ shortcut) -> ReLU        (residual unit)
  rse       residual unit followed by a squeeze-and-excitation block (the paper's module)
Shortcut: identity, or 1x1 conv (same stride) + BN when the shape changes.
SE: global average pool -> dense C->C/r + ReLU -> dense C/r->C + sigmoid -> channel scaling.

Layout (9 levels: 4 encoder modules, bridge, 4 decoder modules; depth configurable):
  e1..e4: module whose first 3x3 conv has stride 2 (no pooling): H/2, H/4, H/8, H/16
  bridge: module at H/16 (stride 1)
  d1..d4: nearest x2 upsample, concat the encoder output of the same resolution (e3, e2, e1,
          and at full resolution the input image itself), module
  head:   1x1 conv + sigmoid
All padding is explicit and symmetric (padding=1 for 3x3), which tfjs reproduces exactly with a
numeric pad (tfjs 'same' would pad bottom/right only for stride 2).
Input: 1-channel grey (BT.601 luma, 0..1); H and W multiples of 2**depth.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SE(nn.Module):
    def __init__(self, c, reduction=8):
        super().__init__()
        h = max(c // reduction, 4)
        self.fc1 = nn.Linear(c, h)
        self.fc2 = nn.Linear(h, c)

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class Block(nn.Module):
    def __init__(self, cin, cout, stride, kind):
        super().__init__()
        self.kind = kind
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if kind != 'plain' and (cin != cout or stride != 1):
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
        self.se = SE(cout) if kind == 'rse' else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.kind != 'plain':
            y = y + (x if self.short is None else self.short(x))
        y = F.relu(y)
        if self.se is not None:
            y = self.se(y)
        return y


class SegNet(nn.Module):
    def __init__(self, kind='rse', base=16, depth=4, in_ch=1, bridge_mult=None):
        super().__init__()
        self.config = dict(kind=kind, base=base, depth=depth, in_ch=in_ch, bridge_mult=bridge_mult)
        widths = [base * 2**i for i in range(depth)]
        bridge = base * (bridge_mult or 2 ** (depth - 1))
        self.enc = nn.ModuleList()
        c = in_ch
        for w in widths:
            self.enc.append(Block(c, w, 2, kind))
            c = w
        self.bridge = Block(c, bridge, 1, kind)
        c = bridge
        # Skip partners from deep to shallow: e_{depth-1} .. e_1, then the input image.
        skip_ch = widths[:-1][::-1] + [in_ch]
        out_ch = widths[:-1][::-1] + [base]
        self.dec = nn.ModuleList()
        for sc, oc in zip(skip_ch, out_ch):
            self.dec.append(Block(c + sc, oc, 1, kind))
            c = oc
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        skips = [x]
        h = x
        for m in self.enc:
            h = m(h)
            skips.append(h)
        h = self.bridge(h)
        # skips = [x, e1, .., e_depth]; e_depth feeds the bridge only.
        for i, m in enumerate(self.dec):
            h = F.interpolate(h, scale_factor=2, mode='nearest')
            h = m(torch.cat([h, skips[len(self.enc) - 1 - i]], dim=1))
        return torch.sigmoid(self.head(h))


def dice_loss(pred, target, weight=None):
    """Paper eq. 1: 1 - (1 + 2*sum(Y*G)) / (1 + sum(Y) + sum(G)), sums over the whole batch.
    `weight` (optional, same shape): per-pixel weights in every sum; 0 = ignored pixel (weak CRIC
    labels), more than 1 = a labelled nucleus centre."""
    w = 1.0 if weight is None else weight
    inter = (w * pred * target).sum()
    return 1 - (1 + 2 * inter) / (1 + (w * pred).sum() + (w * target).sum())
