import { EraseWorkspace, FileKeyStore, recoverErasure } from '../core';
import { setStateDir, type Output } from './output';

/** Opens the workspace named by --data, or the one at or above the current folder, finishing any interrupted erasure first. */
export async function openWorkspace(data: string | undefined, out: Output): Promise<EraseWorkspace> {
  const ws = EraseWorkspace.open(data ?? process.cwd());
  setStateDir(ws.paths.dir);
  // Key files others can read are the user's to fix: say so on stderr, once per file.
  const warned = new Set<string>();
  ws.keyStore = new FileKeyStore(ws.paths.keysDir, (m) => {
    if (warned.has(m)) return;
    warned.add(m);
    out.note(`warning: ${m}`);
  });
  const rec = await recoverErasure(ws);
  if (rec) out.note(`an interrupted ${rec.action} (request ${rec.requestId}) was ${rec.outcome === 'completed' ? 'completed' : 'rolled back'}`);
  return ws;
}
