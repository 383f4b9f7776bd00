export type { PairExample, ColumnMapping, ReadPairsOptions, PairDataset } from './types.js';
export { readPairsFile, readPairsFiles, SUPPORTED_EXTENSIONS } from './read.js';
export { loadStsbFromDir, type StsbSplit } from './stsb.js';
export { loadPairs, type LoadPairsOptions } from './load.js';
