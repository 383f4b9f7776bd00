export { EmbeddingSimilarityEvaluator, type EmbeddingSimilarityEvaluatorOptions, type EmbeddingSimilarityResult, type TextEmbedder } from './embedding-similarity-evaluator.js';
