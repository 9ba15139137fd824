import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, basename, relative, isAbsolute } from 'node:path';
import { writeFileAtomic } from '../storage/atomicWrite';
import { UserError } from '../errors';
import { DEFAULT_TEMPLATE, describeIssue, migrateTemplate, templateIssues, type PromptTemplate } from '../prompt/template';
import { DEFAULT_GENERATION, generationIssues, readGeneration, type GenerationSettings } from '../ollama/generation';
import { DEFAULT_OLLAMA_HOST } from '../ollama/connection';
import { MIN_EPS, MIN_EPS_TEXT } from '../qkmeans/grid';
import { DEFAULT_PROVENANCE_SETTINGS, provenanceSettingsProblem, type ProvenanceSettings } from '../provenance/follow';

/** The clustering and prompt settings of one workspace, kept in `.erase/config.json`. */
export interface WorkspaceConfig {
  /** The data set, relative to the folder that holds `.erase/`. */
  readonly dataFile: string;
  readonly k: number;
  /** Grid side; 'auto' picks the smallest ε predicted to certify ≥ 95% while VE ≥ 0.75. */
  readonly eps: number | 'auto';
  readonly seed: string;
  readonly dims: number;
  readonly maxIter: number;
  /** `hashing`, `words`, `ollama:MODEL` or `transformers:DIR`. */
  readonly embedder: string;
  /** Prompt selection: one representative per cluster, or the nearest cluster's members for a query. */
  readonly mode: 'dataset' | 'query';
  /** Number of examples in a query-adaptive prompt. */
  readonly shots: number;
  readonly ollamaHost: string;
  readonly ollamaModel: string;
  /** After an erasure that changed the prompt, unload the Ollama model so its KV cache drops the old prompt. */
  readonly unloadOnPromptChange: boolean;
  /** The text around the examples (it shapes what is sent, never the clustered state). */
  readonly template: PromptTemplate;
  /** Model options of completions (sampling, context size, chat or generate, thinking). */
  readonly generation: GenerationSettings;
  /** Completion provenance: answers kept as text or keyed hash; erased or flagged when an example in their prompt is erased. */
  readonly provenance: ProvenanceSettings;
}

export const DEFAULT_CONFIG: Omit<WorkspaceConfig, 'dataFile'> = {
  k: 8,
  eps: 0.1,
  seed: 'erase',
  dims: 16,
  maxIter: 10,
  embedder: 'hashing',
  mode: 'dataset',
  shots: 4,
  ollamaHost: DEFAULT_OLLAMA_HOST,
  ollamaModel: 'llama3.2',
  unloadOnPromptChange: true,
  template: DEFAULT_TEMPLATE,
  generation: DEFAULT_GENERATION,
  provenance: DEFAULT_PROVENANCE_SETTINGS,
};

export const STATE_DIR = '.erase';

/** Every file the workspace owns, in one place. */
export function workspacePaths(root: string) {
  const dir = join(root, STATE_DIR);
  return {
    root,
    dir,
    config: join(dir, 'config.json'),
    /** The cluster state's manifest: its SHA-256 is the state hash (workspace/stateStore.ts). */
    state: join(dir, 'state', 'manifest.json'),
    /** The manifest and the head and page files it names. */
    stateDir: join(dir, 'state'),
    /** The previous version's single-file state (`erase-qkm-state/2` or older): read, then converted. */
    legacyState: join(dir, 'state.json'),
    meta: join(dir, 'meta.json'),
    points: join(dir, 'points.slots'),
    datasetIndex: join(dir, 'dataset-index'),
    cacheDir: join(dir, 'cache'),
    auditDir: join(dir, 'audit'),
    keysDir: join(dir, 'keys'),
    intent: join(dir, 'erasure-intent.json'),
    provenance: join(dir, 'provenance.jsonl'),
    lock: join(dir, 'lock'),
  };
}
export type WorkspacePaths = ReturnType<typeof workspacePaths>;

export function validateConfig(c: WorkspaceConfig): void {
  const bad = (what: string) => {
    throw new UserError(`invalid setting: ${what} (edit .erase/config.json or pass the option again)`, 'usage');
  };
  if (!Number.isInteger(c.k) || c.k < 1 || c.k > 1024) bad(`k must be an integer in 1..1024, got ${c.k}`);
  if (c.eps !== 'auto' && !(typeof c.eps === 'number' && c.eps > 0 && c.eps < 100)) bad(`eps must be a positive number or "auto", got ${c.eps}`);
  if (typeof c.eps === 'number' && c.eps < MIN_EPS) bad(`eps must be at least ${MIN_EPS_TEXT}, got ${c.eps}: a smaller grid side would overflow the 32-bit grid indices`);
  if (!Number.isInteger(c.dims) || c.dims < 1 || c.dims > 1024) bad(`dims must be an integer in 1..1024, got ${c.dims}`);
  if (!Number.isInteger(c.maxIter) || c.maxIter < 1 || c.maxIter > 1000) bad(`maxIter must be an integer in 1..1000, got ${c.maxIter}`);
  if (typeof c.seed !== 'string' || c.seed.length === 0) bad('seed must be a non-empty string');
  if (c.mode !== 'dataset' && c.mode !== 'query') bad(`mode must be "dataset" or "query", got ${c.mode}`);
  if (!Number.isInteger(c.shots) || c.shots < 1 || c.shots > 64) bad(`shots must be an integer in 1..64, got ${c.shots}`);
  const tpl = templateIssues(c.template);
  if (tpl.length) bad(`template: ${describeIssue(tpl[0])}`);
  const gen = generationIssues(c.generation);
  if (gen.length) bad(`generation: ${gen[0]}`);
  const provenanceProblem = provenanceSettingsProblem(c.provenance);
  if (provenanceProblem) bad(provenanceProblem);
}

export function readConfig(paths: WorkspacePaths): WorkspaceConfig {
  if (!existsSync(paths.config)) throw new UserError(`no ERASE workspace at ${paths.root}`, 'usage', 'init');
  let raw: Partial<WorkspaceConfig>;
  try {
    raw = JSON.parse(readFileSync(paths.config, 'utf8'));
  } catch {
    throw new UserError(`${paths.config} is not valid JSON: fix it, or create the workspace again`, 'input', 'init');
  }
  if (typeof raw.dataFile !== 'string') throw new UserError(`${paths.config} names no data file`, 'input', 'init');
  // The template and model options are checked where they are used (rendering, completing), so a
  // template typo does not stop `erase status` or an erasure; everything else is checked here.
  const cfg = {
    ...DEFAULT_CONFIG,
    ...raw,
    template: migrateTemplate(raw.template),
    generation: readGeneration(raw.generation),
    provenance: { ...DEFAULT_PROVENANCE_SETTINGS, ...(raw.provenance ?? {}) },
  } as WorkspaceConfig;
  validateConfig({ ...cfg, template: DEFAULT_TEMPLATE, generation: DEFAULT_GENERATION });
  return cfg;
}

export function writeConfig(paths: WorkspacePaths, cfg: WorkspaceConfig): void {
  validateConfig(cfg);
  writeFileAtomic(paths.config, JSON.stringify(cfg, null, 2) + '\n');
}

/** The workspace root for a data file: the folder that contains it. */
export function rootForDataFile(dataFile: string): { root: string; relative: string } {
  const abs = resolve(dataFile);
  return { root: dirname(abs), relative: basename(abs) };
}

export function dataPath(paths: WorkspacePaths, cfg: WorkspaceConfig): string {
  return isAbsolute(cfg.dataFile) ? cfg.dataFile : join(paths.root, cfg.dataFile);
}

/** Finds the nearest folder at or above `start` that holds `.erase/config.json`. */
export function findWorkspaceRoot(start: string): string | null {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, STATE_DIR, 'config.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export function relativeDataFile(root: string, dataFile: string): string {
  const rel = relative(root, resolve(dataFile));
  return rel.startsWith('..') ? resolve(dataFile) : rel;
}
