/**
 * Truncation exactly as Hugging Face tokenizers (Rust) does it for `truncation=True` / `longest_first`, stride 0,
 * direction right. transformers' fast tokenizers delegate to that code, so matching it gives the same ids as Python.
 */

/**
 * How many tokens of each text survive `longest_first` truncation to `budget` content tokens
 * (budget = max_length minus the special tokens the post-processor adds).
 *
 * Rust (tokenizers/src/utils/truncation.rs, `TruncationStrategy::LongestFirst`): if both fit, nothing changes; if
 * the shorter text fits in floor(budget / 2) it keeps everything and the longer one gets the rest; otherwise both
 * get floor(budget / 2) and the longer one also gets the odd token. Rust only swaps when n1 > n2, so on a tie the
 * first text counts as the shorter one and the second text gets the odd token. Tokens are cut from the end.
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (!(budget >= 0)) throw new RangeError(`truncation budget must be >= 0, got ${budget}`);
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  const short = swap ? n2 : n1;
  const half = Math.floor(budget / 2);
  let keepShort: number;
  let keepLong: number;
  if (short <= half) {
    keepShort = short;
    keepLong = budget - short;
  } else {
    keepShort = half;
    keepLong = budget - half;
  }
  return swap ? [keepLong, keepShort] : [keepShort, keepLong];
}
