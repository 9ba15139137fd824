/**
 * Keywords that say what a cluster is about: a class-based TF-IDF (the c-TF-IDF of topic
 * modelling) over the cluster's texts against the whole data set. No model, no randomness: the
 * same texts give the same keywords, ties broken by the word itself.
 */

/**
 * Residue of HTML and web boilerplate in scraped news text (AG News: `&lt;b&gt;`, `&quot;`, `&#39;`,
 * `href=http://www…com/…aspx`, "full quote"): markup, never a topic. Entity numbers (`#36;`) are
 * bare numbers, which are no keywords anyway.
 */
export const MARKUP_WORDS: readonly string[] = ['gt', 'lt', 'quot', 'amp', 'nbsp', 'aspx', 'fullquote', 'href', 'http', 'https', 'www', 'com', 'html', 'htm'];

/** Common English function words and tokenizer debris (SST-2's -lrb-, n't), and markup residue: they name no topic. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  ...(
    "a about above after again against all also am an and any are aren't as at be because been before being below between both but by " +
    "can can't cannot could couldn't did didn't do does doesn't doing don't down during each even ever every few for from further get gets " +
    "got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd " +
    "i'll i'm i've if in into is isn't it it's its itself just let's like ll made make makes many may me might more most much must mustn't my " +
    'myself never no nor not now of off often on once one only or other ought our ours ourselves out over own rather re really same ' +
    "shan't she she'd she'll she's should shouldn't so some still such than that that's the their theirs them themselves then there " +
    "there's these they they'd they'll they're they've this those though through thus to too under until up upon us ve very was wasn't we " +
    "we'd we'll we're we've well were weren't what what's when when's where where's whether which while who who's whom whose why why's " +
    "will with within without won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves " +
    "n't 's 're 've 'll 'd 'm wo ca lrb rrb -lrb- -rrb- s t d m"
  ).split(' '),
  ...MARKUP_WORDS,
]);

/** Lower-cased words of a text (letters and digits, inner apostrophes and hyphens kept). */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).map((w) => w.replace(/’/g, "'"));
}

/** Words that can be keywords: not stop words, at least two characters, not a bare number. */
export function contentWords(text: string): string[] {
  return tokenize(text).filter((w) => w.length >= 2 && !STOP_WORDS.has(w) && !/^\d+$/.test(w));
}

export interface KeywordDocument {
  readonly cluster: number;
  readonly text: string;
  /** How many rows the text stands for (the example's multiplicity). */
  readonly weight: number;
}

/**
 * The top `count` keywords of each of `k` clusters. A word counts once per document (short texts:
 * presence says more than repetition), weighted by the document's rows. Its score in cluster c is
 * the class-based TF-IDF p · log(p / q), with p the share of the cluster's rows holding the word
 * and q the share of all rows holding it: frequent in the cluster and rarer elsewhere scores high,
 * and a word as common everywhere ("film" in film reviews) scores zero and is left out. A word must
 * occur in two rows of the cluster (when it has two), so one odd text does not name its cluster.
 * Ties: the word, ascending.
 */
export function clusterKeywords(docs: readonly KeywordDocument[], k: number, count: number): string[][] {
  const perCluster: Map<string, number>[] = Array.from({ length: k }, () => new Map());
  const rows = new Float64Array(k);
  const total = new Map<string, number>();
  for (const d of docs) {
    if (d.cluster < 0 || d.cluster >= k) continue;
    rows[d.cluster] += d.weight;
    const tf = perCluster[d.cluster];
    for (const w of new Set(contentWords(d.text))) {
      tf.set(w, (tf.get(w) ?? 0) + d.weight);
      total.set(w, (total.get(w) ?? 0) + d.weight);
    }
  }
  let allRows = 0;
  for (const r of rows) allRows += r;
  return perCluster.map((tf, c) => {
    const minRows = rows[c] >= 2 ? 2 : 1;
    const scored: { w: string; s: number }[] = [];
    for (const [w, f] of tf) {
      if (f < minRows) continue;
      const inCluster = f / rows[c];
      const lift = inCluster / (total.get(w)! / allRows);
      if (lift > 1) scored.push({ w, s: inCluster * Math.log(lift) });
    }
    scored.sort((a, b) => b.s - a.s || (a.w < b.w ? -1 : a.w > b.w ? 1 : 0));
    return scored.slice(0, count).map((x) => x.w);
  });
}
