# Simulates the single-cell finder (staged search) with and without the fragment rule on the
# candidates written by scripts/cell-finder-fragments.ts (train+val only): Herlev-SD IoU >= 0.5 and
# agreement with the previous network's choice per Herlev class, for several darkness margins.
#   /usr/bin/python3 scripts/cell-finder-fragments.py NEW.json OLD.json
import json, sys, math
from collections import Counter
new = json.load(open(sys.argv[1]))
old = {e['id']: e for e in json.load(open(sys.argv[2]))}
STAGED = [([64, 96], 0.6), ([128, 192, 256], 0.35), ([384], 0.2), ([512], math.inf)]
def pip(x, y, poly):
    inside = False; n = len(poly); j = n - 1
    for i in range(n):
        xi, yi = poly[i]; xj, yj = poly[j]
        if ((yi > y) != (yj > y)) and (x < (xj - xi) * (y - yi) / (yj - yi + 1e-12) + xi): inside = not inside
        j = i
    return inside
def choose(cands, delta=None, ratio=0.5, search=STAGED):
    best = None
    for sides, enough in search:
        for side in sides:
            for c in [c for c in cands if c['side'] == side]:
                if delta is not None and best is not None and c['side'] > best['side'] and c['area'] < ratio * best['area'] \
                   and c.get('dark', 0) > best.get('dark', 0) - delta and pip(c['cx'], c['cy'], best['contour']):
                    continue
                if best is None or c['score'] > best['score']: best = c
        if best is not None and best['score'] >= enough: break
    return best
def same(a, b):
    if a is None or b is None: return a is None and b is None
    return math.hypot(a['cx'] - b['cx'], a['cy'] - b['cy']) < 0.5 * math.sqrt(max(a['area'], b['area'])) and 0.5 < a['area'] / b['area'] < 2
for delta in [None, 0.0, 0.02, 0.05, 0.08, 0.1, 0.15]:
    for ratio in [0.5]:
        for part in ('all',):
            sd = [choose(e['cands'], delta, ratio) for e in new if e['kind'] == 'sd']
            ious = [c['iou'] if c else 0 for c in sd]
            agree = Counter(); tot = Counter()
            for e in new:
                if e['kind'] != 'h': continue
                a = choose(e['cands'], delta, ratio); b = choose(old[e['id']]['cands'])
                tot[e['cls']] += 1; agree[e['cls']] += same(a, b)
            print(f"delta={delta} ratio={ratio}: SD {sum(i >= 0.5 for i in ious)}/{len(ious)} meanIoU {sum(ious)/len(ious):.3f} | Herlev agree {sum(agree.values())}/{sum(tot.values())} " + ' '.join(f"{k[7:12] if k.startswith('normal') else k[:5]}:{agree[k]}/{tot[k]}" for k in sorted(tot)))
