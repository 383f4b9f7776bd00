export type { EmbeddingLoss } from './types.js';
export { CosineSimilarityLoss } from './cosine-similarity-loss.js';
export { CoSENTLoss, type PairwiseSimilarity } from './cosent-loss.js';
export { AnglELoss } from './angle-loss.js';
export { MultipleNegativesRankingLoss } from './multiple-negatives-ranking-loss.js';
export { MultipleNegativesSymmetricRankingLoss } from './multiple-negatives-symmetric-ranking-loss.js';
export { CachedMultipleNegativesRankingLoss } from './cached-multiple-negatives-ranking-loss.js';
