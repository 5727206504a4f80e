/**
 * [mean - 6 sd, mean + 6 sd] of Binomial(n, p): a seeded run lands outside it with probability
 * below 10^-8, and a fixed seed always lands in the same place, so these bounds never flake.
 */
export function binomialBounds(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.floor(mean - 6 * sd), Math.ceil(mean + 6 * sd)];
}
