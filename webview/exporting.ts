// Saving a selection, search hits, a near-duplicate group or a cluster as JSONL: the host asks
// where (a save dialog) and core copies the examples' own lines. The outcome is shown in `status`.
import type { ExportSelectionParams } from '../src/shared/protocol';
import { request } from './rpc';

export async function exportToFile(what: ExportSelectionParams, status: HTMLElement): Promise<void> {
  status.className = 'muted';
  status.removeAttribute('role');
  status.textContent = 'Choose where to save the JSONL file…';
  try {
    const r = await request('exportSelection', what);
    status.dataset.exported = r.cancelled ? '' : String(r.examples);
    status.textContent = r.cancelled ? 'Export cancelled: nothing was written.' : `Exported ${r.examples} example(s) (${r.lines} line(s)) to ${r.file}`;
  } catch (e) {
    status.className = 'error';
    status.setAttribute('role', 'alert');
    status.textContent = `Export failed: ${(e as Error).message}`;
  }
}
