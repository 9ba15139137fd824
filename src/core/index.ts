/**
 * The one public entry point of core for the front ends (src/cli, src/extension): they import from
 * here, never from a file inside src/core (eslint's no-restricted-imports enforces it). What is
 * listed is what the front ends use; a new need is added here, so the surface stays deliberate.
 * Tests and benchmarks may still reach inside core to test its parts directly.
 */

// Errors every front end words for its user.
export { UserError, CancelledError } from './errors';
export { useEmbedWorkerScript } from './embed/hashingOnWorkers';
export { FileKeyStore } from './audit/keys';
export { MIN_EPS, MIN_EPS_TEXT } from './qkmeans/grid';
export { ioUserError, namingFile } from './ioErrors';
export type { Remedy } from './errors';

// The workspace: clustering, erasure, reconcile, matching.
export { EraseWorkspace, findMatches, reconcile, recoverErasure, recoverPending } from './workspace';
export type { DeletionReceipt, ExampleView } from './workspace';
// The erase use case both front ends call (one audited transaction per request).
export { eraseRequest, eraseRequestsFile, selectExamples, residualNeedles } from './workspace';
export type { EraseSelector, EraseRequestOptions, EraseOutcome, RequestsFileResult } from './workspace';
export { loadMeta } from './workspace/persisted';
// A long-lived host's erasures: the state text held in memory between them (checked against the file's generation).
export { ErasureSession, mapDeltaAfter } from './workspace/erasureSession';
export { syncedStateHash } from './workspace/reconcile';
export type { SessionPath, MapDelta } from './workspace/erasureSession';

// Understanding the data: described clusters, search, near-duplicates, outliers, export of a selection.
export { describeClusters, searchExamples, findNearDuplicates, findOutliers, exportSelection, labelMix, DEFAULT_NEAR_DUPLICATE_THRESHOLD } from './workspace/explore';
export type { ClusterDescription, SearchHit, SearchQuery, ExportSelector } from './workspace/explore';
export { searchCapped, toSearchQuery } from './workspace/searchRequest';
export type { CappedSearch, SearchRequest } from './workspace/searchRequest';
export type { NearDuplicateGroup } from './explore/nearDuplicates';
export type { IsolatedExample } from './explore/isolation';

// Deletion requests: the use cases and their records.
export { eraseAndRecord, executeRequest, listRequests, previewRequest, receiveRequest, refuseRequest } from './workspace/requests';
export { isOverdue } from './requests/store';
export type { DeletionRequestRecord, RequestMatch } from './requests/store';
export { readRequestsFile } from './requests/requestsFile';

// Residual copies of erased text.
export { erasedTexts, scanWorkspace } from './workspace/residuals';
export { DEFAULT_MIN_LENGTH, formatResidualReport, scanResiduals } from './residual';
export type { ResidualHit, ResidualReport } from './residual';
export { removeLocalHistoryCopies, scanLocalHistory } from './residual';
export type { LocalHistoryCopy } from './residual';

// Data import.
export { importTabular } from './dataset/tabular';
export { importTableFile } from './dataset/importFile';
export { checkDataFile } from './dataset/load';
export { rootForDataFile, workspacePaths } from './workspace/config';
export { lineDeletions, linesToErase, serializeRecord } from './dataset/jsonl';
export type { LineDeletion } from './dataset/jsonl';
export type { Example } from './dataset/types';
export { writeFileAtomic } from './storage/atomicWrite';

// The audit log: verification, proofs, reports, keys.
export { consistency, exportReport, genesisPems, proveRequest, readLog, verifyLog } from './audit';
export type { ReportFormat } from './audit';
export { HMAC_KEY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_FILE, derivePublicPem, generateSigningKeyPair } from './audit';
export type { KeyStore, SigningKeyPair } from './audit';

// The local Ollama model.
export { displayHost, isReachable, listModels, pullModel, streamCompletion } from './ollama/client';

// Evaluation: does the ERASE prompt help (accuracy of ERASE against random, balanced, kNN and zero-shot prompts).
export { runEval, firstLabelParser, wilsonInterval, SELECTORS } from './eval';
export type { EvalOptions, EvalReport, ModeReport, SelectorName, AnswerParser } from './eval';
export type { ErasureStepReport, LeakageReport } from './eval';

// Follow-up checks of an erasure: leakage (log-probability percentile among held-out examples) and near-duplicates left.
export type { ErasureChecks, ErasureCheckReport, NearDuplicateLeft } from './workspace/erasureChecks';

// Holistic unlearning cost: ICL with ERASE against fine-tuning (retrain per deletion) and SISA.
export { COST_ASSUMPTIONS, COST_FORMULA, COST_INPUT_INFO, WORKLOAD_DEFAULTS, computeCost, unlearningCost } from './cost';
export type { CostInput, CostInputs, CostOptions, CostParams, CostReport, CostResult, InputSource } from './cost';

// Forget/retain export for weight-based unlearning of a fine-tuned model (pending until marked done).
export { exportForgetSet, markWeightsUnlearned, weightUnlearningStatus } from './workspace';
export type { ForgetExportResult, WeightUnlearningView } from './workspace';
export type { WeightUnlearning } from './requests/store';

// The compliance dashboard: requests by deadline, the last verify, the audit log's state, certified share, residual copies.
export { computeDashboard, workspaceDashboard, DUE_SOON_DAYS } from './workspace/dashboard';
export type { Dashboard, DashboardInput } from './workspace/dashboard';
export { verifyAndRecord } from './workspace/verification';
export type { RecordedVerifyReport } from './workspace/verification';
export { lastAuditCheck, recordAuditCheck } from './workspace/auditCheck';
export type { AuditCheckRecord } from './workspace/auditCheck';
export { recordResidualScan } from './workspace/residuals';
export { accuracyChart, renderEvalReportHtml, SELECTOR_LABELS } from './eval';
export type { AccuracyChart, ChartBar, ChartTick } from './eval';

// The prompt: its editable template, the model options, one completion path for every front end, and the selectors' prompts side by side.
export * from './prompt';
export { DEFAULT_GENERATION, OLLAMA_DEFAULT_CONTEXT, checkGeneration, contextWarning, estimateTokens, generationIssues, readGeneration } from './ollama/generation';
export type { GenerationSettings } from './ollama/generation';
export type { RenderedPrompt } from './erase/prompt';

// Completion provenance: which completions used which examples; erasure follows it.
export { recordCompletion, completionsUsing, flaggedCompletions, resolveCompletion } from './workspace/provenance';
export type { CompletionToRecord, RecordedCompletion, ProvenanceListing } from './workspace/provenance';
export type { CompletionRecord, CompletionSource } from './provenance/store';
export { describePromptChange } from './provenance/promptChange';
export type { PromptChange } from './provenance/promptChange';
export type { ResidualProvenanceHit } from './residual';
export type { MapPicture } from './workspace/mapFile';
