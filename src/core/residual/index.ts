/** Residual-copy scan: after an erasure, where do copies of the erased text remain? */
export type { ResidualHit, ResidualHitKind, ResidualMatch, ResidualProvenanceHit, ResidualReport, ResidualScanOptions, ResidualScanPhase, ResidualSkip } from './types';
export { COMMIT_MESSAGE_PATH } from './types';
export { scanResiduals, DEFAULT_EXCLUDE, DEFAULT_MAX_FILE_BYTES, DEFAULT_MIN_LENGTH } from './scan';
export { formatResidualReport } from './format';
export { globToRegExp, makePathFilter } from './glob';
export { LOCAL_HISTORY_INDEX, localHistoryFolders, parseLocalHistoryIndex, removeLocalHistoryCopies, resourcePath, scanLocalHistory } from './localHistory';
export type { LocalHistoryCopy, LocalHistoryEntry, LocalHistoryIndex, LocalHistoryScan } from './localHistory';
