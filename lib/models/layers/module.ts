/**
 * Base for every model part: a `tf.layers.Layer` that owns its weights (LayerVariables, so tfjs-layers' naming and
 * disposal apply) and knows its Hugging Face parameter names. We call typed `forward` methods directly instead of
 * `Layer.apply`: the symbolic-graph machinery adds nothing for eager inference/training and costs time per call.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../tf.js';

/** How a stored HF tensor maps to our variable: PyTorch Linear weights are [out, in]; we keep [in, out] for plain matMuls. */
export type ParamLayout = 'same' | 'transposed';

export interface Param {
  variable: tfl.LayerVariable;
  layout: ParamLayout;
  /** How HF initialises this parameter when it is missing (only heads are ever initialised). */
  init: 'normal' | 'zeros' | 'ones';
}

export abstract class Module extends tfl.layers.Layer {
  private readonly ownParams = new Map<string, Param>();
  private readonly childModules = new Map<string, Module>();

  constructor(name: string) {
    super({ name, trainable: true });
    this.built = true; // weights are created eagerly in constructors
  }

  /** Create a weight. `localName` is the HF name relative to this module, e.g. "weight". */
  protected param(localName: string, shape: number[], layout: ParamLayout, init: Param['init']): tf.Variable {
    const initializer = init === 'ones' ? tfl.initializers.ones() : tfl.initializers.zeros();
    const variable = this.addWeight(localName, shape, 'float32', initializer);
    this.ownParams.set(localName, { variable, layout, init });
    return variable.read() as tf.Variable;
  }

  /** Register a child under its HF name segment, e.g. "attention.self.query" ("" adds no segment). */
  protected child<M extends Module>(localName: string, module: M): M {
    this.childModules.set(localName, module);
    return module;
  }

  /** Every parameter under this module with its dotted HF name (relative to this module). */
  namedParams(prefix = ''): Array<[string, Param]> {
    const out: Array<[string, Param]> = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, m] of this.childModules) out.push(...m.namedParams(n ? `${prefix}${n}.` : prefix));
    return out;
  }

  /** Free every variable of this module tree. */
  disposeAll(): void {
    for (const [, p] of this.namedParams()) p.variable.dispose();
  }

  override getClassName(): string {
    return this.constructor.name;
  }
}
