/** Public surface of the audit log library. */
export * from './merkle';
export { compactAppend, compactRoot, compactRangeOf, isCompactRange } from './compact';
export * from './entry';
export * from './checkpoint';
export * from './keys';
export * from './files';
export type { TreeHead, Problem, ProblemKind } from './parse';
export { appendEntry, readLog, currentHead, writeCheckpoint, repairTornTail } from './log';
export type { AppendOptions, AppendResult, ReadLogResult, CheckpointOptions } from './log';
export { verifyLog, verifyLogBytes, genesisPems } from './verify';
export type { VerifyOptions, VerifyReport, KeyChange } from './verify';
export * from './proofs';
export { exportReport, buildReportModel, renderCsv, renderHtml, renderMarkdown } from './export';
export type { ReportFormat, ExportOptions, Receipt, ReportModel, KeyChangeView } from './export';
export { escapeHtml, csvCell, escapeMarkdown } from './escape';
