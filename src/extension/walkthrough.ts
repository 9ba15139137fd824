// The first time the extension activates for a user (per VS Code profile), its walkthrough opens on
// the first step: a first run then shows what to do next instead of an empty window. VS Code opens a
// walkthrough by itself only when an extension is installed from the Marketplace view.
import * as vscode from 'vscode';

export const WALKTHROUGH = 'erase.gettingStarted';
export const FIRST_STEP = 'import';
const SHOWN_KEY = 'erase.walkthroughShown';

export function openWalkthroughOnFirstRun(context: vscode.ExtensionContext): void {
  if (context.globalState.get<boolean>(SHOWN_KEY)) return;
  void context.globalState.update(SHOWN_KEY, true);
  const category = `${context.extension.id}#${WALKTHROUGH}`;
  void vscode.commands.executeCommand('workbench.action.openWalkthrough', { category, step: `${category}#${FIRST_STEP}` }, false);
}
