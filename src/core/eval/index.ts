export { runEval, readTrials, summarize } from './run';
export type { EvalOptions, EvalReport, ModeReport, TrialResult } from './run';
export { balancedSelect, knnSelect, randomSelect, SELECTORS } from './selectors';
export type { SelectorName, PoolExample } from './selectors';
export { firstLabelParser } from './answer';
export type { AnswerParser } from './answer';
export { splitIds } from './split';
export { wilsonInterval } from './wilson';
