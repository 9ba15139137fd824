/** The workspace API shared by the CLI and the extension. */
export { EraseWorkspace } from './workspace';
export type { ClusterReport, StatusReport, ExampleView, VerifyReport, WorkOptions, LoadedModel } from './workspace';
export { eraseExamples, recoverErasure, keyStoreFor, TOOL_VERSION } from './erasure';
export type { ErasureRequest, DeletionReceipt, RecoveryReport } from './erasure';
export { reconcile } from './reconcile';
export type { ReconcileReport } from './reconcile';
export { findMatches } from './matching';
export type { MatchSpec, MatchField } from './matching';
export { DEFAULT_CONFIG, STATE_DIR, workspacePaths } from './config';
export type { WorkspaceConfig, WorkspacePaths } from './config';
export type { ClusterMeta } from './persisted';
export type { PhaseProgress } from './vectors';
export { driftOf, hasDrift } from './drift';
export type { Drift } from './drift';
export { OutdatedStateError, qualityIsStale } from './persisted';
