import { EraseWorkspace, recoverErasure } from '../core/workspace';
import { setStateDir, type Output } from './output';

/** Opens the workspace named by --data, or the one at or above the current folder, finishing any interrupted erasure first. */
export async function openWorkspace(data: string | undefined, out: Output): Promise<EraseWorkspace> {
  const ws = EraseWorkspace.open(data ?? process.cwd());
  setStateDir(ws.paths.dir);
  const rec = await recoverErasure(ws);
  if (rec) out.note(`an interrupted erasure (request ${rec.requestId}) was ${rec.outcome === 'completed' ? 'completed' : 'rolled back'}`);
  return ws;
}
