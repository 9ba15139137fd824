import { keyedSignBits } from './keyedRandom';
import { roundHalfUp } from '../fixedpoint';

/**
 * The seeded random ±1 (Rademacher) projection from d to D dimensions, scaled by 1/√D, done in
 * integer arithmetic on fixed-point vectors: Σ ±x_j is an exact integer, and the one division
 * by √D is correctly rounded IEEE arithmetic, so every machine gets the same bits. A pure
 * function of (seed, d, D, the vector): it does not depend on any other example.
 */
export class Projection {
  // The +1 entries of the D × d sign matrix, by column: the rows where column j has +1 are
  // plusRows[plusStart[j] .. plusStart[j + 1]). Row i's sum is Σ_{+} x_j − Σ_{−} x_j = 2·Σ_{+} x_j − Σ x_j,
  // so only the +1 entries are visited, and only for the nonzero x_j (hashing vectors are sparse).
  // Every partial sum is an integer below 2^53 (d < 2^21 terms of |x| < 2^31): the result is exact,
  // whatever the order of the additions.
  private readonly plusStart: Int32Array;
  private readonly plusRows: Uint32Array;
  private readonly sums: Float64Array;
  private readonly scale: number;

  constructor(
    readonly seed: string,
    readonly inputDim: number,
    readonly outputDim: number,
  ) {
    if (!Number.isInteger(outputDim) || outputDim < 1) throw new RangeError('projection dimension must be a positive integer');
    if (!Number.isInteger(inputDim) || inputDim < 1 || inputDim >= 1 << 21) throw new RangeError('projection input dimension must be an integer in [1, 2^21)');
    const signs = keyedSignBits(seed, `projection:${inputDim}x${outputDim}`, inputDim * outputDim); // row-major D × d, 1 = +1, 0 = −1
    this.plusStart = new Int32Array(inputDim + 1);
    for (let i = 0; i < outputDim; i++) for (let j = 0; j < inputDim; j++) if (signs[i * inputDim + j]) this.plusStart[j + 1]++;
    for (let j = 0; j < inputDim; j++) this.plusStart[j + 1] += this.plusStart[j];
    this.plusRows = new Uint32Array(this.plusStart[inputDim]);
    const fill = this.plusStart.slice(0, inputDim);
    for (let i = 0; i < outputDim; i++) for (let j = 0; j < inputDim; j++) if (signs[i * inputDim + j]) this.plusRows[fill[j]++] = i;
    this.sums = new Float64Array(outputDim);
    this.scale = Math.sqrt(outputDim);
  }

  /** Projects one fixed-point vector (length d) to a fixed-point vector of length D. */
  project(v: ArrayLike<number>, out: Int32Array = new Int32Array(this.outputDim), outOffset = 0): Int32Array {
    if (v.length !== this.inputDim) throw new RangeError(`vector has ${v.length} dimensions, projection expects ${this.inputDim}`);
    const { plusStart, plusRows, sums } = this;
    sums.fill(0);
    let total = 0;
    for (let j = 0; j < this.inputDim; j++) {
      const x = v[j];
      if (x === 0) continue;
      total += x;
      for (let k = plusStart[j], end = plusStart[j + 1]; k < end; k++) sums[plusRows[k]] += x;
    }
    for (let i = 0; i < this.outputDim; i++) out[outOffset + i] = roundHalfUp((2 * sums[i] - total) / this.scale);
    return out;
  }
}
