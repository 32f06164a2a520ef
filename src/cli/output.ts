import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

type Cell = string | number | null | undefined;

function fmt(v: Cell): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'n/a';
    return Number.isInteger(v) ? String(v) : v.toFixed(4);
  }
  return v;
}

/** Print rows as an aligned plain-text table (readable in a terminal and in CI logs). */
export function printTable(
  rows: Record<string, Cell>[],
  columns?: string[],
  log: (s: string) => void = console.log,
): void {
  if (rows.length === 0) {
    log('(no rows)');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]): string =>
    vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  log(line(cols));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) log(line(r));
}

/** Write machine-readable results; creates the folder. */
export function writeJson(path: string, value: unknown): void {
  const p = resolve(path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, JSON.stringify(value, null, 2) + '\n');
}
