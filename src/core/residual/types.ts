/** Public types of the residual-copy scan. Nothing here ever holds needle text except the options. */
import type { LocalHistoryCopy } from './localHistory';

export interface ResidualScanOptions {
  /** Workspace folder. */
  root: string;
  /** Erased texts (inputs/outputs), kept in memory only: never logged, never on a command line. */
  needles: readonly string[];
  /** Globs of files to scan (default: everything not ignored). Does not restrict `extraDirs`. */
  include?: readonly string[];
  /** Globs to skip; replaces the default `**\/node_modules/**`, `**\/.git/**` (restate those to keep them). */
  exclude?: readonly string[];
  /** Folders scanned even if gitignored, byte-wise (binary too), e.g. the `.erase` folder. */
  extraDirs?: readonly string[];
  /** Scan all revisions, the index and commit messages. Default: true when root is in a git work tree (or git is unusable, so the skip is reported). */
  gitHistory?: boolean;
  /** Needles shorter than this are skipped: short strings match everywhere (default 12). */
  minLength?: number;
  /** Larger files and blobs are reported as skipped (default 50 MB). */
  maxFileBytes?: number;
  signal?: AbortSignal;
  /** Called as each part of the scan ends (names only: bench/residual-phases.ts times them). */
  onPhase?: (phase: ResidualScanPhase) => void;
}

/** The scan's parts, in the order they usually end (files and git history run side by side). */
export type ResidualScanPhase = 'git work tree' | 'git listings' | 'commits and trees' | 'blobs' | 'files' | 'report';

export type ResidualHitKind = 'file' | 'git-history' | 'git-index';
export type ResidualMatch = 'exact' | 'whitespace-normalised';

export interface ResidualHit {
  kind: ResidualHitKind;
  /** Relative to root, `/`-separated; any needle inside a file name is replaced by `<needle #i>`. */
  path: string;
  /** 1-based line (files, index, history blobs, commit messages). */
  line?: number;
  /** For history hits: the newest scanned commit holding the copy. */
  commit?: string;
  /** Which needle (index into `needles`), never the text. */
  needleIndex: number;
  match: ResidualMatch;
}

export interface ResidualSkip {
  path: string;
  reason: string;
}

export interface ResidualReport {
  hits: ResidualHit[];
  filesScanned: number;
  revisionsScanned: number;
  skipped: ResidualSkip[];
  guidance: string[];
  /** Saved copies in VS Code's Local History, when the caller asked for them (the editor does). */
  localHistory?: LocalHistoryCopy[];
  /** Recorded completions (`.erase/provenance.jsonl`) still holding erased text or naming an erased example. */
  provenance?: ResidualProvenanceHit[];
}

/**
 * A recorded completion left over after an erasure: its answer, stored as text, holds an erased
 * text (`answer-text`); or, stored as a hash (unsearchable), it still names an erased example
 * (`example-id`) or was flagged for review with that example's commitment (`flagged`).
 */
export interface ResidualProvenanceHit {
  /** The record's id (`cmp-…`), never its text. */
  completion: string;
  how: 'answer-text' | 'example-id' | 'flagged';
  /** answer-text: which needle. */
  needleIndex?: number;
}

/** Path shown for a copy inside a commit message (it has no file path). */
export const COMMIT_MESSAGE_PATH = '(commit message)';
