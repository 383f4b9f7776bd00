/**
 * *ForSequenceClassification: encoder + head, with parameters named exactly as the HF checkpoint
 * (e.g. "bert.encoder.layer.0.attention.self.query.weight", "classifier.weight").
 */
import { tf } from '../tf.js';
import { readTidy } from '../util/read-tensor.js';
import { countDropoutSeeds } from './dropout-seeds.js';
import type { BatchEncoding } from '../tokenizer/index.js';
import type { EncoderConfig } from './config.js';
import { makeEncoder, makeHead } from './architectures.js';
import type { EncoderModule } from './encoder.js';
import type { ClassificationHead } from './heads.js';
import type { ForwardContext } from './layers/basic.js';
import type { EncoderInputs, RealRows } from './layers/embeddings.js';
import { Module, type Param } from './layers/module.js';
import { ENCODER_PREFIX } from './weight-names.js';

let instances = 0;

/**
 * The last block computes only the first token's row, the one every classification head reads (same logits, about
 * 15 % of a training step saved). Switched off only to measure the all-rows formulation.
 */
let firstTokenOnly = true;
export function setFirstTokenOnly(enabled: boolean): void {
  firstTokenOnly = enabled;
}

export class SequenceClassifier extends Module {
  readonly encoder: EncoderModule;
  readonly head: ClassificationHead;
  /** Dropout seeds advance per call, so masks differ between steps yet replay identically from the same state. */
  dropoutSeed = 0;

  constructor(readonly config: EncoderConfig) {
    const id = instances++;
    super(`xenc${id}`);
    const prefix = ENCODER_PREFIX[config.architecture].slice(0, -1);
    this.encoder = this.child(prefix, makeEncoder(`xenc${id}_${prefix}`, config));
    this.head = this.child('', makeHead(`xenc${id}_head`, config));
  }

  /** Context for one forward pass. */
  context(training: boolean): ForwardContext {
    return { training, nextSeed: () => ++this.dropoutSeed }; // pre-increment: tfjs ignores a seed of 0
  }

  /** How many dropout seeds one training forward pass draws (fixed by the config; see countDropoutSeeds). */
  seedsPerForward(): number {
    return countDropoutSeeds(this.config, (inputs, ctx) => this.logits(inputs, ctx));
  }

  /** Logits [B, numLabels]. Call inside tf.tidy (or a gradient function). */
  logits(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor2D {
    return this.head.forward(this.encoder.forward(inputs, ctx, firstTokenOnly && this.head.readsFirstTokenOnly()), ctx, inputs);
  }

  /** Last hidden state [B, T, H] of the encoder. */
  hidden(inputs: EncoderInputs, ctx: ForwardContext): tf.Tensor3D {
    return this.encoder.forward(inputs, ctx);
  }

  params(): Array<[string, Param]> {
    return this.namedParams();
  }

  trainableVariables(filter?: (name: string) => boolean): Array<[string, tf.Variable]> {
    return this.params()
      .filter(([n]) => !filter || filter(n))
      .map(([n, p]) => [n, p.variable.read() as tf.Variable]);
  }
}

/**
 * Tensors for one tokenised batch. Position ids follow each architecture: RoBERTa counts non-pad tokens from
 * padding_idx + 1 (create_position_ids_from_input_ids); BERT and DistilBERT use 0..T-1.
 */
export function encoderInputs(batch: BatchEncoding, cfg: EncoderConfig): EncoderInputs {
  const { batchSize: B, seqLen: T, inputIds } = batch;
  const positions = new Int32Array(B * T);
  if (cfg.architecture === 'roberta') {
    const pad = cfg.padTokenId;
    for (let b = 0; b < B; b++) {
      let count = 0;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        positions[i] = inputIds[i] !== pad ? ++count + pad : pad;
      }
    }
  } else {
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) positions[b * T + t] = t;
  }
  const maxPos = positions.reduce((m, p) => Math.max(m, p), 0);
  if (maxPos >= cfg.maxPositionEmbeddings) {
    throw new RangeError(`sequence length ${T} needs position ${maxPos}, beyond max_position_embeddings ${cfg.maxPositionEmbeddings}; lower maxLength`);
  }
  return {
    inputIds: tf.tensor2d(inputIds, [B, T], 'int32'),
    attentionMask: tf.tensor2d(Float32Array.from(batch.attentionMask), [B, T], 'float32'),
    tokenTypeIds: cfg.typeVocabSize > 0 ? tf.tensor2d(batch.tokenTypeIds, [B, T], 'int32') : undefined,
    positionIds: tf.tensor2d(positions, [B, T], 'int32'),
    realRows: realRowsOf(batch.attentionMask),
    onHost: { inputIds, positionIds: positions, tokenTypeIds: cfg.typeVocabSize > 0 ? batch.tokenTypeIds : undefined },
  };
}

/** The real tokens' flat indices, from the host-side mask (no device read: a synchronous read stalls a GPU). */
function realRowsOf(mask: ArrayLike<number>): RealRows | null {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) idx.push(i);
  if (idx.length === mask.length || idx.length === 0) return null;
  return { index: tf.tensor1d(idx, 'int32'), n: idx.length, total: mask.length };
}

/** Inference logits of one padded batch, row-major [B × numLabels]. */
export async function batchLogits(model: SequenceClassifier, batch: BatchEncoding): Promise<Float32Array> {
  const inputs = encoderInputs(batch, model.config);
  try {
    return await readTidy(() => model.logits(inputs, model.context(false)));
  } finally {
    disposeInputs(inputs);
  }
}

export function disposeInputs(inputs: EncoderInputs): void {
  tf.dispose([inputs.inputIds, inputs.attentionMask, inputs.positionIds, ...(inputs.tokenTypeIds ? [inputs.tokenTypeIds] : []), ...(inputs.realRows ? [inputs.realRows.index] : [])]);
}
