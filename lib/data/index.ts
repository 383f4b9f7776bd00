export type { PairExample, ColumnMapping, ReadPairsOptions, PairDataset } from './types.js';
export { readPairsFile, readPairsFiles, SUPPORTED_EXTENSIONS } from './read.js';
export { loadStsbFromDir, type StsbSplit } from './stsb.js';
export { loadPairs, type LoadPairsOptions } from './load.js';
export { LABEL_COLUMNS, type ColumnDataset, type ColumnRow, type LabelCell, type ReadColumnsOptions, type TextCell } from './column-dataset.js';
export { loadColumns, readColumnsFile, readColumnsFiles, type LoadColumnsOptions } from './column-read.js';
export { asListwise, asPairs, asTuples, type ListwiseExample, type TupleExample } from './column-views.js';
export { mineHardNegatives, OUTPUT_FORMATS, SAMPLING_STRATEGIES, type HardNegativesFormat, type MineHardNegativesOptions, type MiningModel, type SamplingStrategy } from './hard-negatives/index.js';
