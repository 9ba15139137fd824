import type { Example } from '../dataset/types';
import { canonicalJson } from '../hash';
import { UserError } from '../errors';
import { compileUserPattern } from '../regex';

export type MatchField = 'input' | 'output' | 'label' | 'meta';

export interface MatchSpec {
  /** A plain substring. */
  readonly text?: string;
  /** A regular expression in the RE2 dialect (linear time: no lookaround, no backreferences); flags via ignoreCase. */
  readonly regex?: string;
  readonly ignoreCase?: boolean;
  /** Fields to search; default input, output and meta. */
  readonly fields?: readonly MatchField[];
}

const DEFAULT_FIELDS: readonly MatchField[] = ['input', 'output', 'meta'];

/** The examples a deletion request by text or pattern would erase (the preview shown before erasing). */
export function findMatches(examples: readonly Example[], spec: MatchSpec): Example[] {
  if (!spec.text && !spec.regex) throw new UserError('give a text or a regular expression to match', 'usage');
  let test: (s: string) => boolean;
  if (spec.regex !== undefined) {
    const re = compileUserPattern(spec.regex, !!spec.ignoreCase);
    test = (s) => re.test(s);
  } else {
    const needle = spec.ignoreCase ? spec.text!.toLowerCase() : spec.text!;
    test = spec.ignoreCase ? (s) => s.toLowerCase().includes(needle) : (s) => s.includes(needle);
  }
  const fields = spec.fields ?? DEFAULT_FIELDS;
  return examples.filter((e) =>
    fields.some((f) => {
      const v = f === 'meta' ? (e.meta === undefined ? undefined : canonicalJson(e.meta)) : e[f];
      return v !== undefined && test(v);
    }),
  );
}
