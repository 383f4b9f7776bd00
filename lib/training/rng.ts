/**
 * Small seeded RNG (mulberry32) for data shuffling. The permutation of epoch e depends only on (seed, e), so a
 * resumed run replays exactly the same batches without saving the generator's internal state.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates permutation of 0..n-1 for the given seed and epoch. */
export function epochPermutation(n: number, seed: number, epoch: number): number[] {
  const rand = mulberry32((seed * 7919 + epoch * 104729 + 1) >>> 0);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
