import type { QkmState } from '../../src/core/qkmeans/state';
import { headFileName, pageFileName, parseHead, parseManifest, parsePage, stateOfParts, type EncodedState } from '../../src/core/qkmeans/stateEncoding';

/** The state an encoding stores, read back from its files alone. */
export function decodeEncoded(enc: EncodedState): QkmState {
  const m = parseManifest(enc.manifestBytes);
  const file = (name: string) => enc.files.get(name)!;
  return stateOfParts(
    parseHead(file(headFileName(m.head))),
    m.pages.flatMap((p) => parsePage(file(pageFileName(p.hash)))),
  );
}
