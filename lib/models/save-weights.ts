import { path } from '../platform/index.js';
import { tf } from '../tf.js';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { WEIGHTS_FILE } from '../io/weights.js';
import type { SequenceClassifier } from './sequence-classifier.js';

/** Every parameter under its HF name, Linear weights back in PyTorch's [out, in] layout. */
export async function hfTensors(model: Pick<SequenceClassifier, 'params'>): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (const [name, p] of model.params()) {
    const transposed = p.layout === 'transposed';
    const t = transposed ? tf.tidy(() => tf.transpose(p.variable.read())) : p.variable.read();
    try {
      const data = Float32Array.from((await t.data()) as Float32Array);
      const shape = transposed ? [...p.variable.shape].reverse() : [...p.variable.shape];
      out.push({ name, shape: shape as number[], data });
    } finally {
      if (transposed) t.dispose();
    }
  }
  return out;
}

/** model.safetensors as transformers expects it (it refuses files without format metadata). */
export async function saveWeights(model: SequenceClassifier, dir: string): Promise<void> {
  await writeSafetensors(path.join(dir, WEIGHTS_FILE), await hfTensors(model), { format: 'pt' });
}
