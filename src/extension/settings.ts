// Setting keys as constants, and typed reads of the `erase.*` configuration.
import * as vscode from 'vscode';

export const SECTION = 'erase';
export const Keys = {
  dataFile: 'dataFile',
  k: 'k',
  eps: 'eps',
  seed: 'seed',
  dims: 'dims',
  embedder: 'embedder',
  maxIter: 'maxIter',
  ollamaHost: 'ollamaHost',
  ollamaModel: 'ollamaModel',
  scanResidualsAfterErase: 'scanResidualsAfterErase',
} as const;

export interface EraseSettings {
  dataFile: string;
  k: number;
  eps: number;
  seed: string;
  dims: number;
  embedder: string;
  maxIter: number;
  ollamaHost: string;
  ollamaModel: string;
}

export function readSettings(scope?: vscode.Uri): EraseSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    dataFile: c.get<string>(Keys.dataFile, ''),
    k: c.get<number>(Keys.k, 8),
    eps: c.get<number>(Keys.eps, 0.1),
    seed: c.get<string>(Keys.seed, 'erase'),
    dims: c.get<number>(Keys.dims, 16),
    embedder: c.get<string>(Keys.embedder, 'hashing'),
    maxIter: c.get<number>(Keys.maxIter, 10),
    // restricted setting: in an untrusted workspace VS Code returns the user-level value only
    ollamaHost: c.get<string>(Keys.ollamaHost, 'http://127.0.0.1:11434'),
    ollamaModel: c.get<string>(Keys.ollamaModel, ''),
  };
}

export function openSettings(query = SECTION): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}
