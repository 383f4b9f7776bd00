// The cross-encoder evaluators, one file each, as in sentence_transformers/cross_encoder/evaluation/.
export {
  CrossEncoderCorrelationEvaluator,
  CSV_HEADER,
  type CorrelationEvaluatorOptions,
  type CorrelationResult,
  type PairScorer,
  type SentencePair,
} from './correlation-evaluator.js';
export { CrossEncoderRerankingEvaluator, type RerankingEvaluatorOptions, type RerankingResult, type RerankingSample, type RerankScorer } from './reranking-evaluator.js';
export { CrossEncoderNanoBEIREvaluator, NANO_BEIR_DATASETS, type NanoBeirEvaluatorOptions, type NanoBeirResult } from './nano-beir-evaluator.js';
