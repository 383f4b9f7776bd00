/**
 * Copy checkpoint tensors into a SequenceClassifier. Rules (as transformers' from_pretrained):
 * - prefixed ("bert.", "roberta.", "distilbert.") and bare (sentence-transformers style) encoder names are accepted;
 * - keys we do not use (lm_head.*, cls.*, position_ids, ...) are listed at debug level;
 * - a missing classification head (or BERT pooler) is initialised like HF: normal(0, initializer_range), zero bias;
 * - any other missing tensor, a wrong shape or a non-finite value is an error naming the tensors.
 */
import { tf } from '../tf.js';
import { WeightsError } from '../errors.js';
import type { WeightsFolder } from '../io/weights.js';
import { log } from '../util/log.js';
import type { Param } from './layers/module.js';
import type { SequenceClassifier } from './sequence-classifier.js';
import { candidateNames, isHeadParam, isKnownUnusedKey } from './weight-names.js';

export interface LoadReport {
  loaded: string[];
  /** Our names that were initialised fresh (head). */
  initialised: string[];
  /** Checkpoint keys we did not use. */
  unused: string[];
}

function hfShape(p: Param): number[] {
  const s = p.variable.shape as number[];
  return p.layout === 'transposed' ? [...s].reverse() : s;
}

export interface LoadOptions {
  /** Seed for freshly initialised head weights. */
  seed?: number;
  /** Ignore the checkpoint's head (e.g. a different label count) and initialise it fresh. */
  freshHead?: boolean;
}

/** What the loader needs of a model: its config and its named parameters (a SequenceClassifier, or a bi-encoder's encoder). */
export type LoadableModel = Pick<SequenceClassifier, 'config' | 'params'>;

export function loadWeights(model: LoadableModel, ckpt: WeightsFolder, opts: LoadOptions = {}): LoadReport {
  const arch = model.config.architecture;
  const used = new Set<string>();
  const loaded: string[] = [];
  const fresh: Array<[string, Param]> = [];
  const missing: string[] = [];
  const problems: string[] = [];

  for (const [name, p] of model.params()) {
    const head = isHeadParam(name, arch);
    const found = opts.freshHead && head && !/pooler/.test(name) ? undefined : candidateNames(name, arch).find((c) => ckpt.has(c));
    if (!found) {
      (head ? fresh.push([name, p]) : missing.push(name));
      continue;
    }
    used.add(found);
    const info = ckpt.info(found);
    const want = hfShape(p);
    if (info.shape.length !== want.length || info.shape.some((d, i) => d !== want[i])) {
      problems.push(`"${found}" has shape [${info.shape.join(', ')}] but the config needs [${want.join(', ')}]`);
      continue;
    }
    const data = ckpt.getFloat32(found);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        problems.push(`"${found}" holds a non-finite value (${data[i]}) at flat index ${i}`);
        break;
      }
    }
    tf.tidy(() => {
      const t = tf.tensor(data, info.shape, 'float32');
      p.variable.write(p.layout === 'transposed' ? tf.transpose(t) : t);
    });
    loaded.push(name);
  }
  if (problems.length) throw new WeightsError(ckpt.source, `${problems.length} tensor(s) do not fit the model: ${problems.slice(0, 10).join('; ')}`, problems);
  if (missing.length) {
    const list = missing.slice(0, 12).join(', ') + (missing.length > 12 ? `, … (${missing.length} in all)` : '');
    throw new WeightsError(ckpt.source, `missing encoder weights: ${list}. Is this checkpoint a ${arch} model matching config.json?`, missing);
  }
  if (fresh.length) {
    initParams(fresh, model.config.initializerRange, opts.seed);
    log.warnOnce(
      `fresh-head:${ckpt.source}`,
      `${ckpt.source} has no ${fresh.map(([n]) => n).join(', ')}; initialised them fresh (normal(0, ${model.config.initializerRange}), zero bias). Train before relying on the scores.`,
    );
  }
  const unused = ckpt.names().filter((n) => !used.has(n));
  if (unused.length) {
    const unexpected = unused.filter((n) => !isKnownUnusedKey(n));
    log.debug(`unused checkpoint keys in ${ckpt.source}: ${unused.join(', ')}`);
    if (unexpected.length) log.debug(`of which not recognised as buffers or other heads: ${unexpected.join(', ')}`);
  }
  return { loaded, initialised: fresh.map(([n]) => n), unused };
}

/**
 * HF _init_weights: Linear and Embedding weights normal(0, range), biases 0, LayerNorm 1/0.
 * `padRow` zeroes an embedding row as nn.Embedding(padding_idx=...) does.
 */
export function initParams(params: Array<[string, Param]>, range: number, seed?: number, padRow?: { name: string; row: number }): void {
  const base = seed ?? Math.floor(Math.random() * 2 ** 31);
  // tfjs treats a seed of 0 as "no seed", so derive a non-zero seed per parameter.
  let i = 0;
  for (const [name, p] of params) {
    const s = ((base * 1000003 + i++) >>> 0) || 1;
    tf.tidy(() => {
      const shape = p.variable.shape as number[];
      let v: tf.Tensor = p.init === 'normal' ? tf.randomNormal(shape, 0, range, 'float32', s) : p.init === 'ones' ? tf.ones(shape) : tf.zeros(shape);
      if (padRow && padRow.name === name) {
        const mask = tf.reshape(tf.oneHot([padRow.row], shape[0]), [shape[0], 1]);
        v = tf.mul(v, tf.sub(1, mask));
      }
      p.variable.write(v);
    });
  }
}
