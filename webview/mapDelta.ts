// A map delta applied to the map the webview holds: after a certified erasure the host sends the
// erased ids alone (not 60k points again); every other point keeps its position, cluster and label.
import type { MapDeltaView, MapView } from '../src/shared/protocol';

/**
 * The map without the removed points, with the new representatives. Label names no point uses any
 * more are dropped (and the label indexes renumbered), as a map built afresh would have them.
 * Ids the map does not hold are ignored (erased before this map was drawn).
 */
export function applyMapDelta(m: MapView, d: MapDeltaView): MapView {
  const gone = new Set(d.removedIds);
  const n = m.ids.length;
  let kept = 0;
  for (let i = 0; i < n; i++) if (!gone.has(m.ids[i])) kept++;
  const ids: string[] = new Array<string>(kept);
  const xy = new Float32Array(2 * kept);
  const cluster = new Uint16Array(kept);
  const oldLabel = new Uint32Array(kept);
  const used = new Uint8Array(m.labelNames.length);
  for (let i = 0, j = 0; i < n; i++) {
    if (gone.has(m.ids[i])) continue;
    ids[j] = m.ids[i];
    xy[2 * j] = m.xy[2 * i];
    xy[2 * j + 1] = m.xy[2 * i + 1];
    cluster[j] = m.cluster[i];
    oldLabel[j] = m.label[i];
    if (m.label[i] < used.length) used[m.label[i]] = 1;
    j++;
  }
  // Label names stay sorted; an unused one goes and the later indexes move down.
  const renumber = new Uint32Array(m.labelNames.length);
  const labelNames: string[] = [];
  m.labelNames.forEach((name, k) => {
    renumber[k] = labelNames.length;
    if (used[k]) labelNames.push(name);
  });
  const label = oldLabel.map((l) => (l < renumber.length ? renumber[l] : l));
  const present = new Set(ids);
  return { ids, xy, cluster, representatives: d.representatives.filter((id) => present.has(id)), labelNames, label };
}
