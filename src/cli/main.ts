import { auditCommand } from './auditCommands';
import { costCommand } from './costCommands';
import { exportForgetCommand } from './forgetCommands';
import { evalCommand } from './evalCommands';
import { templateCommand } from './templateCommands';
import { requestCommand } from './requestCommands';
import { provenanceCommand } from './provenanceCommands';
import { describeCommand, exportSelectionCommand, nearDuplicatesCommand, outliersCommand, searchCommand } from './exploreCommands';
import {
  clusterCommand,
  completeCommand,
  deleteCommand,
  scanCommand,
  importCommand,
  initCommand,
  promptCommand,
  reconcileCommand,
  statusCommand,
  verifyCommand,
  type Command,
} from './commands';
import { EXIT_OK, EXIT_USAGE, makeOutput, reportError } from './output';
import { join } from 'node:path';
import { useEmbedWorkerScript } from '../core';

const HELP = `erase — exact, provable erasure for in-context-learning data

usage: erase <command> [options]   (every command takes --json; exit 0 ok, 1 a check failed, 2 bad input)

  import FILE.tsv|FILE.csv --text-col C [--label-col C] [--id-col C] [--header] --out FILE.jsonl
  init --data FILE.jsonl [--k 8] [--eps 0.1|auto] [--seed S] [--dims 16] [--embedder hashing|words|ollama:MODEL|transformers:DIR]
                         [--mode dataset|query] [--shots 4] [--host URL] [--model M]
  cluster                 embed (cached) and cluster from scratch; prints quality and the predicted certified fraction
  status [--ids]          n, k, state hash, malformed lines, and the compliance dashboard (requests by deadline,
                          last verify, audit log state, certified share, residual copies); --ids: every example id too
  prompt [--query TEXT] [--selector erase|knn|random|zero-shot]   the prompt as it is sent, its ids and size
  complete --query TEXT [--model M] [--host URL] [--selector S] [model options]   stream an answer from Ollama
  template [--system T] [--instruction T] [--example T] [--query-format T] [--separator T] [--reset] [model options]
                          show the prompt template and model options, or change and save them (.erase/config.json);
                          {input} {output} in --example, {query} in --query-format, {{ and }} for literal braces
    model options: [--api generate|chat] [--temperature 0.2] [--top-p 0.9] [--model-seed 42] [--num-ctx 8192]
                   [--max-tokens 256] [--think on|off]   (complete and eval: this run only; template: saved)
  eval (--heldout FILE.jsonl | --split 0.2) [--model M] [--host URL] [--seeds 3] [--limit N] [--results FILE.jsonl]
       [--after-erasures 0,10,50,200] [--report FILE.html]
                          accuracy (95% CI), prompt tokens and ms per query of the ERASE prompt against random,
                          label-balanced, k-nearest and zero-shot prompts; --results resumes an interrupted run;
                          --after-erasures evaluates again after erasing that many seeded-random examples in a
                          scratch copy (never your workspace) and counts how often the ERASE prompt changed;
                          --report writes a self-contained HTML page with the chart (ids and figures only)
  cost [--queries-per-day N] [--deletions-per-month N] [--months N] [--shards S] [--price-per-1k-tokens X]
       [--gpu-per-hour X] [--cpu-per-hour X] [--fine-tune-seconds-per-example X] [--eval-results FILE] …
                          total cost of ICL with ERASE against fine-tuning (a retrain per deletion) and SISA,
                          every input shown with its source (measured here, estimated, assumed); prints the formula
  delete (--id ID ... | --match TEXT | --regex RE | --requests FILE.jsonl) [--requester R] [--subject REF]
         [--reason R] [--request-id ID] [--dry-run] [--verify] [--keep-model] [--skip-scan]
         [--leakage-check --heldout FILE.jsonl [--model M] [--host URL] [--top-logprobs 20]] [--near-duplicates] [--threshold 0.2]
                          after erasing, looks for residual copies (workspace files, .erase/, git history);
                          --leakage-check: percentile of the erased example's own-label probability (first-token
                          log-probabilities, post-erasure prompt) among held-out examples, "unavailable" without them;
                          --near-duplicates (implied): remaining examples within the threshold, with the command to erase them
  scan [--request ID] < texts.txt   look for copies of texts (one per line on stdin) in the workspace and git history;
                          --request records the counts as that request's residual-copy scan
  verify                  retrain from scratch and compare state hashes (exit 1 when not equal); recorded in the audit log
  provenance (--id ID | --flagged | --erase CMP | --keep CMP)
                          the recorded completions whose prompt held example ID, or those an erasure flagged for review
  reconcile               take hand edits of the data file into account (removed lines are audited erasures)
  describe [--keywords 5] [--outliers 3]   per cluster: size, label counts, keywords, representative, outliers
  search (--text T | --regex RE | --near T) [--ignore-case] [--limit N]   ids and line numbers (--near: by meaning, with distances)
  near-duplicates [--threshold 0.2]       groups of examples whose projected vectors lie within the threshold
  outliers [--limit 20]                   the examples farthest from their cluster's centroid, in cluster radii
  export-selection (--ids ID ... | --cluster N | --text T | --regex RE) --out FILE.jsonl
                          copies the selected examples' lines from the data file, byte for byte
  export-forget --request ID --out DIR [--retain N]
                          for a fine-tuned model: the request's matched examples (forget.jsonl, only before they are
                          erased) and as many from the same clusters (retain.jsonl); audited as pending weight unlearning
  audit verify | prove --request ID | consistency --from N --to M | export --format md|html|json|csv [--out FILE]
  request add (--id ID ... | --match TEXT | --regex RE) [--requester R] [--subject REF] [--deadline-days N]
          | list | show ID | run ID [--verify] [--skip-scan] | refuse ID --reason R     deletion requests with status and deadline
          | weights-done ID       the fine-tuned model's weight unlearning for the request is done (an audited note)

Commands find the workspace (.erase/ beside the data file) from --data FILE or the current folder.
`;

const COMMANDS: Record<string, Command> = {
  import: importCommand,
  init: initCommand,
  cluster: clusterCommand,
  status: statusCommand,
  prompt: promptCommand,
  template: templateCommand,
  complete: completeCommand,
  eval: evalCommand,
  cost: costCommand,
  delete: deleteCommand,
  verify: verifyCommand,
  reconcile: reconcileCommand,
  audit: auditCommand,
  request: requestCommand,
  scan: scanCommand,
  provenance: provenanceCommand,
  describe: describeCommand,
  search: searchCommand,
  'near-duplicates': nearDuplicatesCommand,
  outliers: outliersCommand,
  'export-selection': exportSelectionCommand,
  'export-forget': exportForgetCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`erase: unknown command "${name}" (see \`erase help\`)\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  try {
    useEmbedWorkerScript(join(__dirname, 'embedWorker.js')); // built next to cli.js; from source, one thread
    return await command(rest, makeOutput);
  } catch (e) {
    return reportError(e, json);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e, false);
    },
  );
}
