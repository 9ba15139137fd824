/** One example of the data set, after parsing and de-duplication. */
export interface Example {
  /** Explicit `id` of the record, or the SHA-256 (hex) of its canonical JSON. */
  readonly id: string;
  /** The text that is embedded and clustered (the record's input / prompt / user turns). */
  readonly input: string;
  /** The answer shown after the input in a few-shot prompt (output / completion / last assistant turn). */
  readonly output: string;
  readonly label?: string;
  readonly meta?: unknown;
  /** How many identical lines (no explicit id) this example stands for; ≥ 1. */
  readonly multiplicity: number;
  /** 1-based line numbers of the lines that hold this example, ascending. */
  readonly lines: readonly number[];
}

/** A line that could not be parsed. It is reported and kept byte for byte when the file is rewritten. */
export interface MalformedLine {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, where the problem was found
  readonly message: string; // says what is wrong; never quotes the line's text
}

export interface ParsedDataset {
  readonly file: string;
  /** Examples in the order of their first line. */
  readonly examples: readonly Example[];
  readonly malformed: readonly MalformedLine[];
  /** Examples whose content appears on more than one line (no explicit id). */
  readonly duplicates: readonly { readonly id: string; readonly lines: readonly number[] }[];
}
