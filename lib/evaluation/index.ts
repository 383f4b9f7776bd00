// Public surface of the evaluation module.
export { pearson, spearman, rankAverage } from './correlation.js';
export {
  CrossEncoderCorrelationEvaluator,
  CSV_HEADER,
  pyFloatRepr,
  type CorrelationEvaluatorOptions,
  type CorrelationResult,
  type EvaluateOptions,
  type PairScorer,
  type SentencePair,
} from './correlation-evaluator.js';
