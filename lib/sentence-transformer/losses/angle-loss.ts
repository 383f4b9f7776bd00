/** AnglELoss: CoSENTLoss on the angle difference in complex space (util.pairwise_angle_sim), scale 20. */
import { CoSENTLoss } from './cosent-loss.js';
import { pairwiseAngleSim } from './similarity-ops.js';

export class AnglELoss extends CoSENTLoss {
  override readonly name = 'AnglELoss';
  constructor(scale = 20) {
    super(scale, pairwiseAngleSim);
  }
}
