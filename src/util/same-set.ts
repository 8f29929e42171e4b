/** Whether two lists hold the same numbers, in any order (pids ps lists, say); duplicates aside. */
export function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
