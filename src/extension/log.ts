// One LogOutputChannel for the whole extension ("ERASE"). Messages never contain example text:
// an erased example must not survive in a log.
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function initLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  channel = vscode.window.createOutputChannel('ERASE', { log: true });
  context.subscriptions.push(channel);
  return channel;
}

export const log = {
  info: (msg: string, ...args: unknown[]) => channel?.info(msg, ...args),
  warn: (msg: string, ...args: unknown[]) => channel?.warn(msg, ...args),
  error: (msg: string | Error, ...args: unknown[]) => channel?.error(msg, ...args),
  debug: (msg: string, ...args: unknown[]) => channel?.debug(msg, ...args),
  show: () => channel?.show(true),
};
