"""CPU time per thread of every Chromium and Node process while something runs (issue 13: where
the app's time goes besides the pipeline). Samples utime + stime of each thread from /proc every
0.5 s until SIGTERM/SIGINT, then writes the 25 largest (process type, thread name) totals to OUT.

    python3 scripts/thread-cpu.py OUT & P=$!
    npx tsx scripts/browser-bench.ts --backends wasm --fields DIR   # or: npx paplens bench --fields DIR
    kill $P

Thread names are the kernel's (15 characters): Chromium's web workers are "DedicatedWorker", the
renderer's main thread "chromium". Linux only; clock ticks assumed 100 per second (USER_HZ).
"""
import collections
import os
import signal
import sys
import time


def snapshot():
    res = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            cmd = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode(errors='ignore')
        except OSError:
            continue
        if 'chromium' not in cmd and 'node' not in cmd:
            continue
        kind = 'browser'
        for part in cmd.split():
            if part.startswith('--type='):
                kind = part[7:]
        if 'chromium' not in cmd:
            kind = 'node:' + ' '.join(cmd.split()[1:3])[:40]
        try:
            tids = os.listdir(f'/proc/{pid}/task')
        except OSError:
            continue
        for tid in tids:
            try:
                comm = open(f'/proc/{pid}/task/{tid}/comm').read().strip()
                fields = open(f'/proc/{pid}/task/{tid}/stat').read().rsplit(')', 1)[1].split()
                res[(pid, tid)] = (kind, comm, int(fields[11]) + int(fields[12]))
            except (OSError, IndexError, ValueError):
                pass
    return res


def stop(*_):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, stop)
first = snapshot()
last = dict(first)
try:
    while True:
        time.sleep(0.5)
        last.update(snapshot())
except KeyboardInterrupt:
    pass
totals = collections.Counter()
for key, (kind, comm, ticks) in last.items():
    totals[(kind, comm)] += ticks - first.get(key, (kind, comm, 0))[2]
with open(sys.argv[1], 'w') as out:
    for (kind, comm), ticks in totals.most_common(25):
        out.write(f'{ticks / 100:8.2f} s  {kind:30s} {comm}\n')
