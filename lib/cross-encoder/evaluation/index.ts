// The cross-encoder evaluators, one file each, as in sentence_transformers/cross_encoder/evaluation/.
export {
  CrossEncoderCorrelationEvaluator,
  CSV_HEADER,
  type CorrelationEvaluatorOptions,
  type CorrelationResult,
  type PairScorer,
  type SentencePair,
} from './correlation-evaluator.js';
