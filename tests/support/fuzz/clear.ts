/**
 * A message a user can act on: one sentence, no code-level noise (no "undefined", no exception
 * class names or stack frames, no float garbage such as "1.2e-41 bits" from a mistyped tag).
 */
export function isClear(message: string): boolean {
  return (
    /^[A-Z].{10,400}[.)]$/s.test(message) &&
    !/undefined|NaN|Infinity|\[object|TypeError|RangeError|at \S+:\d+|\de[-+]\d/.test(message)
  );
}
