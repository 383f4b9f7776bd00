export { PairTokenizer, defaultMaxLength } from './pair-tokenizer.js';
export type { BatchEncoding, EncodedPair, PairTokenizerOptions } from './pair-tokenizer.js';
export { longestFirstLengths } from './truncation.js';
