// Host glue around core's Ollama client: reachability with a "Retry" / "Open settings" message
// naming the URL, model picking, and pulling a missing model with progress.
import * as vscode from 'vscode';
import { displayHost, isReachable, listModels, pullModel } from '../core';
import { log } from './log';
import { withCancellableProgress } from './progress';
import { Keys, SECTION, openSettings, readSettings } from './settings';

const withTag = (m: string) => (m.includes(':') ? m : `${m}:latest`);

export async function hasModel(host: string, model: string): Promise<boolean> {
  const models = await listModels(host, { timeoutMs: 5000 });
  return models.some((m) => m.name === model || m.name === withTag(model));
}

/** Resolves true once Ollama answers; otherwise tells the user (URL, Retry, Open settings). */
export async function ensureReachable(host: string): Promise<boolean> {
  for (;;) {
    if (await isReachable(host)) return true;
    const url = displayHost(host);
    log.warn(`Ollama not reachable at ${url}`);
    const retry = vscode.l10n.t('Retry');
    const settings = vscode.l10n.t('Open settings');
    const pick = await vscode.window.showErrorMessage(
      vscode.l10n.t('Ollama is not reachable at {0}. Start it with `ollama serve`, or change erase.ollamaHost.', url),
      retry,
      settings,
    );
    if (pick === settings) void openSettings(`${SECTION}.${Keys.ollamaHost}`);
    if (pick !== retry) return false;
  }
}

/** Makes sure `model` exists on the server, offering to pull it with progress. */
export async function ensureModel(host: string, model: string): Promise<boolean> {
  if (await hasModel(host, model)) return true;
  const pull = vscode.l10n.t('Pull {0}', model);
  const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Model "{0}" is not available at {1}.', model, displayHost(host)), pull, vscode.l10n.t('Pick another model'));
  if (pick === pull) {
    await withCancellableProgress(vscode.l10n.t('Pulling {0}', model), (signal, report) =>
      pullModel(host, model, { signal, onProgress: (p) => report(p.status, p.completed, p.total) }),
    );
    return true;
  }
  if (pick) return (await pickModel()) !== undefined;
  return false;
}

/** Lets the user choose among the server's models and stores the choice in erase.ollamaModel. */
export async function pickModel(): Promise<string | undefined> {
  const { ollamaHost } = readSettings();
  if (!(await ensureReachable(ollamaHost))) return undefined;
  const models = await listModels(ollamaHost, { timeoutMs: 5000 });
  if (!models.length) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Ollama at {0} has no models. Pull one with `ollama pull <model>`.', displayHost(ollamaHost)));
    return undefined;
  }
  const item = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.name, description: [m.parameterSize, m.quantization].filter(Boolean).join(' · ') })),
    { title: vscode.l10n.t('Ollama model for the ERASE prompt'), placeHolder: displayHost(ollamaHost) },
  );
  if (!item) return undefined;
  await vscode.workspace.getConfiguration(SECTION).update(Keys.ollamaModel, item.label, vscode.ConfigurationTarget.Workspace);
  return item.label;
}

/** The configured model, or one picked now. */
export async function currentModel(): Promise<string | undefined> {
  const { ollamaModel } = readSettings();
  return ollamaModel || pickModel();
}
