import { keyedSignBits } from './keyedRandom';
import { roundHalfUp } from '../fixedpoint';

/**
 * The seeded random ±1 (Rademacher) projection from d to D dimensions, scaled by 1/√D, done in
 * integer arithmetic on fixed-point vectors: Σ ±x_j is an exact integer, and the one division
 * by √D is correctly rounded IEEE arithmetic, so every machine gets the same bits. A pure
 * function of (seed, d, D, the vector): it does not depend on any other example.
 */
export class Projection {
  private readonly signs: Uint8Array; // row-major D × d, 1 = +1, 0 = −1
  private readonly scale: number;

  constructor(
    readonly seed: string,
    readonly inputDim: number,
    readonly outputDim: number,
  ) {
    if (!Number.isInteger(outputDim) || outputDim < 1) throw new RangeError('projection dimension must be a positive integer');
    this.signs = keyedSignBits(seed, `projection:${inputDim}x${outputDim}`, inputDim * outputDim);
    this.scale = Math.sqrt(outputDim);
  }

  /** Projects one fixed-point vector (length d) to a fixed-point vector of length D. */
  project(v: ArrayLike<number>, out: Int32Array = new Int32Array(this.outputDim), outOffset = 0): Int32Array {
    if (v.length !== this.inputDim) throw new RangeError(`vector has ${v.length} dimensions, projection expects ${this.inputDim}`);
    const d = this.inputDim;
    for (let i = 0; i < this.outputDim; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += this.signs[row + j] ? v[j] : -v[j];
      out[outOffset + i] = roundHalfUp(s / this.scale);
    }
    return out;
  }
}
