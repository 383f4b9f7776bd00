/**
 * A model folder's weights (not a training checkpoint: those are lib/training/checkpoint-state.ts) as one name → tensor view, whether stored in one `model.safetensors` or sharded via
 * `model.safetensors.index.json`. We never read `pytorch_model.bin`: it is a pickle, and executing pickles is unsafe.
 */
import { fsp, path } from '../platform/index.js';
import { SafetensorsError, WeightsError } from '../errors.js';
import { exists } from '../util/fs.js';
import { SafetensorsFile, type TensorInfo } from './safetensors.js';

/** The weight file names, as transformers writes them: the one place they are spelled. */
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export class WeightsFolder {
  private constructor(
    /** What to name in messages: the single file or the index file. */
    readonly source: string,
    private readonly fileOf: ReadonlyMap<string, SafetensorsFile>,
  ) {}

  static async fromFile(file: string): Promise<WeightsFolder> {
    const st = await SafetensorsFile.open(file);
    return new WeightsFolder(file, new Map(st.names().map((n) => [n, st])));
  }

  /** Load from a model folder: model.safetensors, else the sharded index. */
  static async fromDir(dir: string): Promise<WeightsFolder> {
    const single = path.join(dir, WEIGHTS_FILE);
    if (await exists(single)) return WeightsFolder.fromFile(single);
    const index = path.join(dir, WEIGHTS_INDEX_FILE);
    if (await exists(index)) return WeightsFolder.fromIndex(index);
    const others = ['pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack'];
    const found: string[] = [];
    for (const o of others) if (await exists(path.join(dir, o))) found.push(o);
    const hint = found.length
      ? ` It has ${found.join(', ')}: this library does not execute pickles. Convert in Python: ` +
        `\`from safetensors.torch import save_file; save_file(model.state_dict(), "model.safetensors")\`, or use a hub revision that has model.safetensors.`
      : '';
    throw new WeightsError(dir, `no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} in this folder.${hint}`);
  }

  static async fromIndex(indexFile: string): Promise<WeightsFolder> {
    let index: unknown;
    try {
      index = JSON.parse(await fsp.readFile(indexFile, 'utf-8'));
    } catch (e) {
      throw new SafetensorsError(indexFile, `cannot read the shard index (${(e as Error).message})`);
    }
    const weightMap = (index as { weight_map?: unknown }).weight_map;
    if (typeof weightMap !== 'object' || weightMap === null) throw new SafetensorsError(indexFile, 'the shard index has no "weight_map" object');
    const dir = path.dirname(indexFile);
    const shards = new Map<string, SafetensorsFile>();
    const fileOf = new Map<string, SafetensorsFile>();
    for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
      if (typeof shard !== 'string' || shard.includes('..') || path.isAbsolute(shard)) {
        throw new SafetensorsError(indexFile, `weight_map entry ${JSON.stringify(shard)} is not a shard file name`, name);
      }
      let st = shards.get(shard);
      if (!st) {
        st = await SafetensorsFile.open(path.join(dir, shard));
        shards.set(shard, st);
      }
      if (!st.tensors.has(name)) throw new SafetensorsError(path.join(dir, shard), 'the shard index names this tensor but the shard does not hold it', name);
      fileOf.set(name, st);
    }
    return new WeightsFolder(indexFile, fileOf);
  }

  names(): string[] {
    return [...this.fileOf.keys()];
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  info(name: string): TensorInfo & { file: string } {
    const st = this.get(name);
    return { ...st.info(name), file: st.file };
  }

  getFloat32(name: string): Float32Array {
    return this.get(name).getFloat32(name);
  }

  private get(name: string): SafetensorsFile {
    const st = this.fileOf.get(name);
    if (!st) throw new WeightsError(this.source, `no tensor named "${name}"`, [name]);
    return st;
  }
}
