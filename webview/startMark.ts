// Imported first by main.ts: marks when the page's script began to run (the UI benchmark splits the
// map's first open with it; the bundle's download and parse come before this mark) and says `ready`
// at once (rpc.ts: the host's map read overlaps the rest of the page's start).
import { sayReady } from './rpc';

performance.mark('webview-script-start');
sayReady();
