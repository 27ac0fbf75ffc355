/**
 * Run orders for comparing methods on one container. Rotating a fixed order moves each
 * method's slot but keeps who runs just before whom (c always follows b), so any after-effect
 * of a heavy method (writeback, containerd cleanup) always lands on the same neighbour.
 * A Williams design balances that: over n repetitions (n even) every method follows every
 * other exactly once.
 */

/** [a,b,c] rotated left by k: k=0 -> a,b,c; k=1 -> b,c,a. */
export function rotate<T>(items: readonly T[], k: number): T[] {
  if (!items.length) return [];
  const s = ((k % items.length) + items.length) % items.length;
  return [...items.slice(s), ...items.slice(0, s)];
}

/** Row k of a Williams Latin square over items: first row 0, 1, n-1, 2, n-2, ...; row k adds k. */
export function balancedOrder<T>(items: readonly T[], k: number): T[] {
  const n = items.length;
  const first: number[] = [];
  for (let i = 0, lo = 1, hi = n - 1; i < n; i++) first.push(i === 0 ? 0 : i % 2 === 1 ? lo++ : hi--);
  const shift = ((k % n) + n) % n;
  return first.map((j) => items[(j + shift) % n]!);
}
