export { COST_FORMULA, DAYS_PER_MONTH, computeCost, checkCostParams } from './formula';
export type { CostParams, CostResult, MethodCost, CostTerm } from './formula';
export { COST_ASSUMPTIONS, COST_INPUT_INFO, WORKLOAD_DEFAULTS, gatherCostInputs, promptTokensFromEval, unlearningCost, valuesOf } from './inputs';
export type { CostInput, CostInputs, CostOptions, CostReport, InputSource } from './inputs';
export { readMeasurements, recordMeasurements } from './measurements';
export type { Measurements, Timing } from './measurements';
