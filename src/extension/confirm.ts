// Modal confirmations of the extension host. Whatever the webview says it asked the user, the host
// asks again before acting on a destructive request: the webview is untrusted input.
import * as vscode from 'vscode';

let answer: ((message: string) => boolean) | undefined;

/** For extension-host tests only (reached through the extension API, never from a webview): answers every modal. */
export function answerConfirmations(fn: ((message: string) => boolean) | undefined): void {
  answer = fn;
}

/** A modal warning with one action button; true only when the user picked it. */
export async function confirmModal(message: string, action: string): Promise<boolean> {
  if (answer) return answer(message);
  return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
}
