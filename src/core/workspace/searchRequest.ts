/**
 * One search as a front end asks for it (a kind, the typed text, ignore case, a cap on hits),
 * answered with the hits and whether there were more. The workbench's search box and the Data set
 * tree's "Search Examples…" both call this, so they find the same examples for the same query:
 * text and RE2 patterns through the same bounded matcher, meaning through the workspace's embedder.
 */
import { searchExamples, type SearchHit, type SearchQuery } from './explore';
import type { EraseWorkspace, WorkOptions } from './workspace';

export type SearchKind = 'text' | 'regex' | 'near';

export interface SearchRequest {
  readonly kind: SearchKind;
  /** The text, RE2 pattern or meaning query. Never saved, never logged. */
  readonly query: string;
  /** Text and regex only; a meaning search has no case. */
  readonly ignoreCase: boolean;
}

export interface CappedSearch {
  /** At most `limit` hits: file order for text and regex, nearest first for meaning. */
  readonly hits: readonly SearchHit[];
  /** True when more than `limit` examples matched. */
  readonly truncated: boolean;
}

export function toSearchQuery(r: SearchRequest): SearchQuery {
  switch (r.kind) {
    case 'near':
      return { kind: 'near', text: r.query };
    case 'regex':
      return { kind: 'regex', pattern: r.query, ignoreCase: r.ignoreCase };
    case 'text':
      return { kind: 'text', text: r.query, ignoreCase: r.ignoreCase };
  }
}

export async function searchCapped(ws: EraseWorkspace, r: SearchRequest, limit: number, opts: WorkOptions = {}): Promise<CappedSearch> {
  // one more than asked: tells "exactly limit" from "more than limit"
  const hits = await searchExamples(ws, toSearchQuery(r), limit + 1, opts);
  return { hits: hits.slice(0, limit), truncated: hits.length > limit };
}
