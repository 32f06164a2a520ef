"""Where a Chromium trace's time goes, per thread (issue 13: the page's own work beside the
pipeline's workers). Sums the durations of complete ('X') events by name for the renderer's main
thread, its raster/background pool, the web workers and the compositor. Events nest (RunTask
contains everything under it), so read the names, not the column sum.

    npx tsx scripts/browser-bench.ts --runs 10 --backends wasm --trace /tmp/cell-trace.json
    python3 scripts/trace-summary.py /tmp/cell-trace.json [TOP]
"""
import collections
import json
import sys

data = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
events = data['traceEvents'] if isinstance(data, dict) else data
threads = {}
for e in events:
    if e.get('ph') == 'M' and e.get('name') == 'thread_name':
        threads[(e['pid'], e['tid'])] = e['args']['name']
ms = collections.defaultdict(collections.Counter)
count = collections.defaultdict(collections.Counter)
for e in events:
    if e.get('ph') == 'X' and 'dur' in e:
        t = threads.get((e['pid'], e['tid']), '?')
        ms[t][e['name']] += e['dur'] / 1000
        count[t][e['name']] += 1
for t in ['CrRendererMain', 'ThreadPoolForegroundWorker', 'DedicatedWorker thread', 'Compositor']:
    if t not in ms:
        continue
    print(f'== {t}')
    for name, v in ms[t].most_common(top):
        print(f'  {v:9.1f} ms  {count[t][name]:6d}×  {name}')
