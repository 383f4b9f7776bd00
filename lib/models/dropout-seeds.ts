import { tf } from '../tf.js';
import type { EncoderConfig } from './config.js';
import type { ForwardContext } from './layers/basic.js';
import type { EncoderInputs } from './layers/embeddings.js';

/**
 * How many dropout seeds one training forward pass of `forward` draws. The count is fixed by the config (one per
 * dropout layer), so it is counted on a 2-token input; the trainer advances the seed by it per forward, which keeps
 * every micro-batch split and a resumed run on the same masks.
 */
export function countDropoutSeeds(cfg: EncoderConfig, forward: (inputs: EncoderInputs, ctx: ForwardContext) => tf.Tensor): number {
  let n = 0;
  tf.tidy(() => {
    const start = cfg.architecture === 'roberta' ? cfg.padTokenId + 1 : 0;
    forward(
      {
        inputIds: tf.zeros([1, 2], 'int32'),
        attentionMask: tf.ones([1, 2], 'float32'),
        tokenTypeIds: cfg.typeVocabSize > 0 ? tf.zeros([1, 2], 'int32') : undefined,
        positionIds: tf.tensor2d([[start, start + 1]], [1, 2], 'int32'),
      },
      { training: true, nextSeed: () => ++n },
    );
  });
  return n;
}
