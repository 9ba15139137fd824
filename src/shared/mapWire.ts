// The map as it travels from the host to the webview: every id in one string plus their end
// offsets (a Uint32Array, which postMessage carries as a binary buffer), instead of an array of
// 60,000 strings. In code-server an array of strings is serialised to JSON by the extension host,
// parsed by the workbench and cloned twice more into the webview's frames, string by string: at 60k
// that held the map's first paint back by over a second; one string and one buffer cost a copy each.
import { isMapView, type MapView } from './protocol';

export type MapWire = Omit<MapView, 'ids'> & {
  /** The ids, concatenated. */
  idText: string;
  /** Where each id ends in idText (UTF-16 offsets, non-decreasing; ids are never empty). */
  idEnds: Uint32Array;
};

export function packMapView(v: MapView): MapWire {
  const { ids, ...rest } = v;
  const idEnds = new Uint32Array(ids.length);
  let end = 0;
  for (let i = 0; i < ids.length; i++) idEnds[i] = end += ids[i].length;
  return { ...rest, idText: ids.join(''), idEnds };
}

/** The map a wire message carries, or null when it is not a well-formed one (checked as isMapView checks a map). */
export function unpackMapView(raw: unknown): MapView | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { idText, idEnds, ...rest } = raw as Record<string, unknown>;
  if (typeof idText !== 'string' || !(idEnds instanceof Uint32Array)) return null;
  const ids = new Array<string>(idEnds.length);
  let start = 0;
  for (let i = 0; i < idEnds.length; i++) {
    const end = idEnds[i];
    if (end <= start || end > idText.length) return null; // an empty id, offsets going back, or past the text
    ids[i] = idText.slice(start, end);
    start = end;
  }
  if (start !== idText.length) return null; // text left over: not the ids the offsets describe
  const view = { ...rest, ids };
  return isMapView(view) ? view : null;
}
