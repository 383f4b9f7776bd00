/**
 * The tensor side of a SentenceTransformer: encoder → Pooling → Dense* → Normalize?, as one differentiable forward
 * (inference and training alike). Encoder parameters are named as inside *ForSequenceClassification ("bert.…"), so
 * the shared loader accepts both bare (sentence-transformers' AutoModel) and prefixed checkpoints; save() strips
 * the prefix again, as BertModel.save_pretrained writes it.
 */
import { tf } from '../tf.js';
import { countDropoutSeeds } from '../models/dropout-seeds.js';
import type { EncoderConfig } from '../models/config.js';
import { makeEncoder } from '../models/architectures.js';
import type { EncoderModule } from '../models/encoder.js';
import type { ForwardContext } from '../models/layers/basic.js';
import type { EncoderInputs } from '../models/layers/embeddings.js';
import { Module, type Param } from '../models/layers/module.js';
import { ENCODER_PREFIX } from '../models/weight-names.js';
import { Dense } from './dense.js';
import type { ModuleSpec } from './config.js';
import { pool, type PoolingConfig } from './pooling.js';

let instances = 0;

/** F.normalize(x, p=2, dim=1): x / max(‖x‖, 1e-12). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12));
}

export class EmbeddingModel extends Module {
  readonly encoder: EncoderModule;
  readonly pooling: PoolingConfig;
  /** Dense modules in pipeline order, each with its modules.json path (where its weights live). */
  readonly denses: Array<{ path: string; module: Dense }> = [];
  readonly normalize: boolean;
  /** Dropout seeds advance per forward pass, as in SequenceClassifier. */
  dropoutSeed = 0;

  constructor(
    readonly config: EncoderConfig,
    readonly modules: readonly ModuleSpec[],
  ) {
    const id = instances++;
    super(`stenc${id}`);
    const prefix = ENCODER_PREFIX[config.architecture].slice(0, -1);
    this.encoder = this.child(prefix, makeEncoder(`stenc${id}_${prefix}`, config));
    const pooling = modules.find((m) => m.kind === 'pooling');
    if (!pooling || pooling.kind !== 'pooling') throw new RangeError('a SentenceTransformer needs a Pooling module');
    this.pooling = pooling.config;
    for (const m of modules) {
      if (m.kind === 'dense') this.denses.push({ path: m.path, module: this.child(m.path, new Dense(`stenc${id}_d${this.denses.length}`, m.config)) });
    }
    this.normalize = modules.some((m) => m.kind === 'normalize');
  }

  context(training: boolean): ForwardContext {
    return { training, nextSeed: () => ++this.dropoutSeed };
  }

  /** Sentence embeddings [B, D]. Call inside tf.tidy or a gradient function. */
  embed(inputs: EncoderInputs, ctx: ForwardContext, promptLength = 0): tf.Tensor2D {
    let x = pool(this.pooling, this.encoder.forward(inputs, ctx), inputs.attentionMask, promptLength);
    for (const d of this.denses) x = d.module.forward(x);
    return this.normalize ? l2Normalize(x) : x;
  }

  /** How many dropout seeds one training forward draws (see countDropoutSeeds). */
  seedsPerForward(): number {
    return countDropoutSeeds(this.config, (inputs, ctx) => this.embed(inputs, ctx));
  }

  /** Every parameter, encoder ones under their HF names ("bert.embeddings…"), Dense ones as "<path>.linear.weight". */
  params(): Array<[string, Param]> {
    return this.namedParams();
  }

  /** The encoder's parameters only (what the shared loader and saver handle). */
  encoderParams(): Array<[string, Param]> {
    const dense = new Set(this.denses.flatMap((d) => d.module.namedParams().map(([, p]) => p)));
    return this.params().filter(([, p]) => !dense.has(p));
  }

  trainableVariables(filter?: (name: string) => boolean): Array<[string, tf.Variable]> {
    return this.params()
      .filter(([n]) => !filter || filter(n))
      .map(([n, p]) => [n, p.variable.read() as tf.Variable]);
  }
}
