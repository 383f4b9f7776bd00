// The evaluation code both kinds of model share: the correlation maths and sentence-transformers' CSV format.
// Each kind's evaluators live with it (lib/cross-encoder/evaluation/, lib/sentence-transformer/evaluation/).
export { pearson, spearman, rankAverage } from './correlation.js';
export { pyFloatRepr, type EvaluateOptions } from './csv.js';
