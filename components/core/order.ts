/**
 * Compares strings by UTF-16 code unit, as `Array.prototype.sort` does by default: the same order in
 * every locale (`localeCompare` would put "az" before "at" under Estonian collation), so output that
 * is sorted stays byte-identical wherever it is produced.
 */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
