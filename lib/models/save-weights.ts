import * as path from 'node:path';
import { tf } from '../backend.js';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { SequenceClassifier } from './sequence-classifier.js';

/** Every parameter under its HF name, Linear weights back in PyTorch's [out, in] layout. */
export function hfTensors(model: SequenceClassifier): TensorToWrite[] {
  return model.params().map(([name, p]) => {
    const transposed = p.layout === 'transposed';
    const t = transposed ? tf.tidy(() => tf.transpose(p.variable.read())) : p.variable.read();
    const data = Float32Array.from(t.dataSync() as Float32Array);
    if (transposed) t.dispose();
    const shape = transposed ? [...p.variable.shape].reverse() : [...p.variable.shape];
    return { name, shape: shape as number[], data };
  });
}

/** model.safetensors as transformers expects it (it refuses files without format metadata). */
export async function saveWeights(model: SequenceClassifier, dir: string): Promise<void> {
  await writeSafetensors(path.join(dir, 'model.safetensors'), hfTensors(model), { format: 'pt' });
}
