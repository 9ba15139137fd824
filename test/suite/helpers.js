// Shared helpers for the extension-host suite (plain JS: it runs inside the real extension host).
const vscode = require('vscode');
const path = require('path');

const EXT_ID = 'erase-workbench.erase-workbench';

async function api() {
  const ext = vscode.extensions.getExtension(EXT_ID);
  const a = await ext.activate();
  await a.refreshed();
  return a;
}

function dataFile() {
  return path.join(vscode.workspace.workspaceFolders[0].uri.fsPath, 'data.jsonl');
}

async function waitFor(fn, what, timeoutMs = 15000) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeoutMs) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last value: ${JSON.stringify(last)})`);
}

/** Every node of the Residual copies view with its tree item and its shown text, flattened. */
async function residualNodes(tree) {
  const out = [];
  const walk = async (node) => {
    for (const n of await tree.getChildren(node)) {
      const it = tree.getTreeItem(n);
      out.push({ node: n, item: it, text: [it.label, it.description, typeof it.tooltip === 'string' ? it.tooltip : it.tooltip && it.tooltip.value].join(' | ') });
      await walk(n);
    }
  };
  await walk(undefined);
  return out;
}

/** Flattens the Data set tree into { clusters, examples, malformed } as the view shows them. */
async function readDataSetTree(tree) {
  const out = { clusters: [], examples: [], malformed: [] };
  for (const node of await tree.getChildren()) {
    const item = tree.getTreeItem(node);
    if (node.kind === 'cluster') {
      const kids = await tree.getChildren(node);
      out.clusters.push({ label: item.label, count: kids.length });
      for (const k of kids) out.examples.push({ node: k, item: tree.getTreeItem(k) });
    } else if (node.kind === 'malformedGroup') {
      for (const m of await tree.getChildren(node)) out.malformed.push(tree.getTreeItem(m));
    }
  }
  return out;
}

async function setFault(fault) {
  const url = process.env.ERASE_TEST_OLLAMA_URL;
  if (!url) throw new Error('ERASE_TEST_OLLAMA_URL not set');
  await fetch(`${url}/__test/fault`, { method: 'POST', body: JSON.stringify(fault || {}) });
}

module.exports = { EXT_ID, api, dataFile, waitFor, readDataSetTree, setFault, residualNodes };
