import { COMMIT_MESSAGE_PATH, type ResidualHit } from './types';

/** The tool's own state folder (STATE_DIR in workspace/config; not imported to keep this module leaf-level). */
export const OWN_DIR = '.erase';

export interface GuidanceInput {
  hits: readonly ResidualHit[];
  searchedNeedles: number;
  shortNeedles: readonly number[];
  skippedPlaces: number;
  /** A file name held a needle (shown redacted). */
  namesRedacted: boolean;
}

/** Recorded completions (answers stored as text): a copy there is an answer, not a bug; the provenance section says which. */
const PROVENANCE_FILE = 'provenance.jsonl';

function isProvenanceStore(path: string): boolean {
  const parts = path.split('/');
  return parts[parts.length - 1] === PROVENANCE_FILE && parts[parts.length - 2] === OWN_DIR;
}

function inOwnDir(path: string): boolean {
  return path.split('/').slice(0, -1).includes(OWN_DIR) && !isProvenanceStore(path);
}

/** What to do about each kind of copy found. Plain advice, never the text. */
export function buildGuidance(g: GuidanceInput): string[] {
  const out: string[] = [];
  const files = g.hits.filter((h) => h.kind === 'file');
  const own = g.hits.filter((h) => inOwnDir(h.path));
  const ownFiles = files.filter((h) => inOwnDir(h.path));
  const history = g.hits.filter((h) => h.kind === 'git-history');
  const index = g.hits.filter((h) => h.kind === 'git-index');
  if (g.hits.length === 0) {
    out.push(`No copy of the ${g.searchedNeedles} searched text(s) was found in the places scanned.`);
  }
  if (files.some((h) => isProvenanceStore(h.path))) {
    out.push('Recorded completions hold the text in their answers: review them with `erase provenance --flagged` and remove those that must go.');
  }
  if (files.length > ownFiles.length + files.filter((h) => isProvenanceStore(h.path)).length) {
    out.push('Files: edit the listed lines or delete the files, save, and scan again.');
  }
  if (own.length > 0) {
    out.push(
      "A copy inside ERASE Workbench's own folder is a bug in ERASE Workbench: please report it (paths and needle numbers only, never the text), then delete the listed files.",
    );
  }
  if (index.length > 0) {
    out.push(
      'Git index: the text is staged. After editing the files, stage them again (git add <path>) or unstage them (git rm --cached <path>); the old blob stays in .git/objects until the gc step below.',
    );
  }
  if (history.length > 0) {
    out.push(
      'Git history: rewrite every branch and tag, e.g. git filter-repo --replace-text <file listing the texts> (or BFG: bfg --replace-text <file>); keep that file outside the repository and delete it afterwards.',
    );
    if (history.some((h) => h.path === COMMIT_MESSAGE_PATH)) {
      out.push('Commit messages hold the text too: git filter-repo --replace-message <file> rewrites them.');
    }
    out.push(
      "Every clone, fork, CI cache and backup keeps its own copy: force-push the rewritten history, and have the others re-clone or purge theirs (hosted forks and pull-request refs may need the host's support).",
    );
  }
  if (history.length > 0 || index.length > 0) {
    out.push('Then drop the old objects locally: git reflog expire --expire=now --all && git gc --prune=now --aggressive');
  }
  if (g.namesRedacted) out.push('A file name contains an erased text (shown as <needle #i>): rename or delete that file.');
  if (g.shortNeedles.length > 0) {
    out.push(`Needle(s) #${g.shortNeedles.join(', #')} were not searched: too short, they would match everywhere. Check those by hand.`);
  }
  if (g.skippedPlaces > 0) out.push(`${g.skippedPlaces} place(s) could not be searched (see "skipped"): check them by hand.`);
  out.push('This scan covers this folder and its git repository only; copies elsewhere (other clones, backups, editor history, logs, the model server) need their own check.');
  return out;
}
