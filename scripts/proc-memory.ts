// Memory of a process tree from /proc (Linux): what the browser benches report as peak memory.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process below `root` (children, grandchildren, …). */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // process ended meanwhile
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    for (const [c, pp] of parent)
      if (pp === p) {
        out.push(c);
        todo.push(c);
      }
  }
  return out;
}
/** Proportional set size (shared pages split between processes, so the sum is not inflated). */
export function pssBytes(pids: number[]): number {
  let total = 0;
  for (const p of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}
