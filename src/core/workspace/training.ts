import { clusteringQuality, predictedCertifiedFraction } from '../qkmeans/quality';
import { train, type TrainOptions } from '../qkmeans/train';
import type { PointSet } from '../qkmeans/points';
import type { QkmParams, QkmState } from '../qkmeans/state';
import { representatives } from '../erase/representatives';
import { throwIfAborted } from '../errors';

export interface TrainedModel {
  readonly state: QkmState;
  readonly representatives: (string | null)[];
  readonly predictedCertified: number;
  readonly ve: number;
  readonly nonEmpty: number;
  readonly warnings: string[];
}

/** Trains and measures: what `cluster` and `--eps auto` both need. */
export function trainAndMeasure(points: PointSet, params: QkmParams, opts: TrainOptions = {}): TrainedModel {
  const state = train(points, params, opts);
  return describe(state, points);
}

export function describe(state: QkmState, points: PointSet): TrainedModel {
  const q = clusteringQuality(state, points);
  return {
    state,
    representatives: representatives(state),
    predictedCertified: predictedCertifiedFraction(state, points),
    ve: q.ve,
    nonEmpty: q.nonEmpty,
    warnings: q.warnings,
  };
}

export const EPS_CANDIDATES = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5] as const;
export const TARGET_CERTIFIED = 0.95;
export const MIN_VE = 0.75;

export interface EpsChoice {
  readonly eps: number;
  readonly model: TrainedModel;
  readonly note: string;
  readonly tried: readonly { eps: number; predictedCertified: number; ve: number }[];
}

/**
 * `--eps auto`: the smallest ε whose predicted certified fraction is ≥ 0.95 while VE ≥ 0.75.
 * Predicted certification rises with ε and quality falls, so the first ε that certifies enough is
 * the best one if its quality holds; if it does not, no ε meets both and the largest ε that keeps
 * the quality is taken, with a note saying so.
 */
export function chooseEps(points: PointSet, base: Omit<QkmParams, 'eps'>, opts: TrainOptions = {}): EpsChoice {
  const tried: { eps: number; predictedCertified: number; ve: number }[] = [];
  const cache = new Map<number, TrainedModel>();
  const measure = (eps: number): TrainedModel => {
    throwIfAborted(opts.signal);
    let model = cache.get(eps);
    if (!model) {
      model = trainAndMeasure(points, { ...base, eps }, { signal: opts.signal });
      cache.set(eps, model);
      tried.push({ eps, predictedCertified: model.predictedCertified, ve: model.ve });
    }
    return model;
  };
  const goodQuality = (m: TrainedModel) => m.ve >= MIN_VE && m.nonEmpty === m.state.k; // k_eff: a small data set may have fewer clusters than k
  const certifies = (m: TrainedModel) => m.predictedCertified >= TARGET_CERTIFIED;
  let lastGood: number | null = null;
  let firstCertifying: number | null = null;
  for (const eps of EPS_CANDIDATES) {
    const m = measure(eps);
    if (certifies(m)) {
      if (goodQuality(m)) return { eps, model: m, tried, note: `smallest ε with predicted certified ≥ ${TARGET_CERTIFIED} and VE ≥ ${MIN_VE}` };
      firstCertifying = eps;
      break;
    }
    if (goodQuality(m)) lastGood = eps;
  }
  if (lastGood !== null && firstCertifying !== null) {
    // The grid step jumped over the window where both hold (if there is one): bisect between the
    // last ε that kept the quality and the first that certified enough.
    let lo = lastGood;
    let hi = firstCertifying;
    let best: number | null = null;
    for (let step = 0; step < 5; step++) {
      const mid = Number(((lo + hi) / 2).toPrecision(3));
      if (mid <= lo || mid >= hi) break;
      const m = measure(mid);
      if (!goodQuality(m)) hi = mid;
      else if (certifies(m)) {
        best = mid;
        hi = mid;
      } else lo = mid;
    }
    if (best !== null) return { eps: best, model: measure(best), tried, note: `smallest ε found with predicted certified ≥ ${TARGET_CERTIFIED} and VE ≥ ${MIN_VE} (bisection)` };
    const e = lo;
    return { eps: e, model: measure(e), tried, note: `no ε meets both targets for this data set; took the largest ε found that keeps VE ≥ ${MIN_VE} (certifies less)` };
  }
  if (firstCertifying !== null)
    return {
      eps: firstCertifying,
      model: measure(firstCertifying),
      tried,
      note: `no ε keeps VE ≥ ${MIN_VE} for this data set; took the smallest ε that certifies ≥ ${TARGET_CERTIFIED}`,
    };
  if (lastGood !== null)
    return {
      eps: lastGood,
      model: measure(lastGood),
      tried,
      note: `no candidate ε reaches predicted certified ${TARGET_CERTIFIED} (the data set is small); took the largest ε that keeps VE ≥ ${MIN_VE}`,
    };
  const eps = EPS_CANDIDATES[0];
  return { eps, model: measure(eps), tried, note: 'no candidate ε meets either target; took the smallest' };
}
