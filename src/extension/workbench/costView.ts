// The unlearning-cost report as the webview shows it: plain JSON, figures and notes only.
import { COST_INPUT_INFO, type CostReport } from '../../core';
import { COST_INPUT_KEYS, type CostView } from '../../shared/protocol';

export function costView(r: CostReport): CostView {
  const method = (m: CostReport['result']['icl']) => ({ total: m.total, terms: m.terms.map((t) => ({ name: t.name, value: t.value })) });
  return {
    inputs: COST_INPUT_KEYS.map((key) => ({ key, ...COST_INPUT_INFO[key], ...r.inputs[key] })),
    queries: r.result.queries,
    deletions: r.result.deletions,
    icl: method(r.result.icl),
    fineTune: method(r.result.fineTune),
    sisa: method(r.result.sisa),
    cheapest: r.result.cheapest,
    breakEvenQueriesPerDay: r.result.breakEvenQueriesPerDay,
    formula: [...r.formula],
  };
}
