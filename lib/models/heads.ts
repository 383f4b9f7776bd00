/**
 * Sequence-classification heads exactly as transformers builds them; these read the first token ([CLS] / <s>).
 *   BERT:       pooler = tanh(dense(h0)); logits = classifier(dropout(pooler))
 *   RoBERTa:    logits = out_proj(dropout(tanh(dense(dropout(h0)))))
 *   DistilBERT: logits = classifier(dropout(relu(pre_classifier(h0))))
 * ELECTRA's and ModernBERT's heads live with their encoders (electra.ts, modernbert.ts).
 */
import { tf } from '../tf.js';
import type { EncoderConfig } from './config.js';
import { dropout, Linear, type ForwardContext } from './layers/basic.js';
import { Module } from './layers/module.js';
import type { EncoderInputs } from './layers/embeddings.js';
import { HEAD_NAMES } from './weight-names.js';

export abstract class ClassificationHead extends Module {
  /** Logits [B, numLabels]. `inputs` gives the attention mask to heads that pool over tokens (ModernBERT mean). */
  abstract forward(lastHidden: tf.Tensor3D, ctx: ForwardContext, inputs?: EncoderInputs): tf.Tensor2D;
  /** Whether the head reads only the first token, so the encoder may compute just that row in its last block. */
  readsFirstTokenOnly(): boolean {
    return true;
  }
}

export function firstToken(h: tf.Tensor3D): tf.Tensor2D {
  const [B, , H] = h.shape;
  return tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, H]), [B, H]);
}

export class BertHead extends ClassificationHead {
  private readonly pooler: Linear;
  private readonly classifier: Linear;
  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    // The pooler lives under the encoder prefix in HF checkpoints ("bert.pooler.dense").
    this.pooler = this.child(`${cfg.architecture}.${HEAD_NAMES.bert.pooler}`, new Linear(`${name}_pool`, cfg.hiddenSize, cfg.hiddenSize));
    this.classifier = this.child(HEAD_NAMES.bert.classifier, new Linear(`${name}_cls`, cfg.hiddenSize, cfg.numLabels));
  }
  forward(h: tf.Tensor3D, ctx: ForwardContext): tf.Tensor2D {
    const pooled = tf.tanh(this.pooler.forward(firstToken(h)));
    return this.classifier.forward(dropout(pooled, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}

export class RobertaHead extends ClassificationHead {
  private readonly dense: Linear;
  private readonly outProj: Linear;
  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.dense = this.child(HEAD_NAMES.roberta.dense, new Linear(`${name}_dense`, cfg.hiddenSize, cfg.hiddenSize));
    this.outProj = this.child(HEAD_NAMES.roberta.outProj, new Linear(`${name}_out`, cfg.hiddenSize, cfg.numLabels));
  }
  forward(h: tf.Tensor3D, ctx: ForwardContext): tf.Tensor2D {
    const x = tf.tanh(this.dense.forward(dropout(firstToken(h), this.cfg.classifierDropout, ctx)));
    return this.outProj.forward(dropout(x, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}

export class DistilBertHead extends ClassificationHead {
  private readonly pre: Linear;
  private readonly classifier: Linear;
  constructor(name: string, private readonly cfg: EncoderConfig) {
    super(name);
    this.pre = this.child(HEAD_NAMES.distilbert.preClassifier, new Linear(`${name}_pre`, cfg.hiddenSize, cfg.hiddenSize));
    this.classifier = this.child(HEAD_NAMES.distilbert.classifier, new Linear(`${name}_cls`, cfg.hiddenSize, cfg.numLabels));
  }
  forward(h: tf.Tensor3D, ctx: ForwardContext): tf.Tensor2D {
    const x = tf.relu(this.pre.forward(firstToken(h)));
    return this.classifier.forward(dropout(x, this.cfg.classifierDropout, ctx)) as tf.Tensor2D;
  }
}
