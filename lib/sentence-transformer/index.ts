// Public surface of the bi-encoder (SentenceTransformer) side.
export { SentenceTransformer, type EncodeOptions, type SentenceTransformerOptions } from './model.js';
export { SIMILARITY_FN_NAMES, similarityMatrix, similarityPairwise, type SimilarityFnName } from './similarity.js';
export { POOLING_MODES, type PoolingConfig, type PoolingMode } from './pooling.js';
export type { ModuleSpec, SentenceTransformerSpec } from './config.js';
export * from './losses/index.js';
export * from './evaluation/index.js';
