import { createHash } from 'node:crypto';
/**
 * Auditor-facing report of the log: one receipt per entry grouped by deletion request, the
 * tree head, the latest signed checkpoint, the verification result at export time, and how
 * to check all of it independently. Holds no erased data (the log holds none).
 */
import { join } from 'node:path';
import { checkpointMessage, publicKeyId, SignedCheckpoint } from './checkpoint';
import { AuditEntry } from './entry';
import { csvRow, escapeMarkdown, html, SafeHtml } from './escape';
import { LOG_FILE, PUBLIC_KEY_FILE } from './files';
import { readIfExists } from './jsonl';
import { parseLog, Problem, TreeHead } from './parse';
import { KeyChange, verifyLog, VerifyOptions } from './verify';

export type ReportFormat = 'md' | 'html' | 'json' | 'csv';

export interface ExportOptions extends VerifyOptions {
  /** Shown as the report's time; supplied by the caller (core never reads the clock). */
  generatedAt?: string;
}

export interface Receipt {
  seq: number;
  time: string;
  action: string;
  requester: string;
  subjectRef: string;
  erasedCount: number;
  certified: boolean;
  retrained: boolean;
  promptChanged: boolean;
  modelUnloaded: boolean | null;
  stateHashBefore: string;
  stateHashAfter: string;
  /** 'equal', 'DIFFERENT' or 'not run' — retrain-from-scratch comparison. */
  verification: string;
  scratchHash: string;
  toolVersion: string;
  notes: string;
  /** Key entries: the signing key added (key-add, key-reset) or whose HMAC key changed (hmac-key). */
  keyId: string;
  /** Key entries: fingerprint of the HMAC key the signer uses from this entry on (never the key). */
  hmacKeyFingerprint: string;
}

/** A key change as the auditor reads it: what happened and what it means for checking the log. */
export interface KeyChangeView extends KeyChange {
  meaning: string;
}

export interface ReportModel {
  generatedAt: string | null;
  verification: { ok: boolean; problems: Problem[]; warnings: string[] };
  head: TreeHead;
  checkpoint: SignedCheckpoint | null;
  /** The exact bytes the checkpoint signature covers, for checking with other tools. */
  checkpointMessage: string | null;
  publicKeyId: string | null;
  /** Every signing- or HMAC-key change in the log, in order. Empty for a log with one signer and one HMAC key. */
  keyChanges: KeyChangeView[];
  /** The signing keys the log trusts after replaying its key entries (genesis first). */
  trustedKeyIds: string[];
  requests: { requestId: string; receipts: Receipt[] }[];
  howToVerify: string[];
}

function receipt(e: AuditEntry): Receipt {
  return {
    seq: e.seq,
    time: e.time,
    action: e.action,
    requester: e.requester ?? '',
    subjectRef: e.subjectRef ?? '',
    erasedCount: e.erasedCount,
    certified: e.certified,
    retrained: e.retrained,
    promptChanged: e.promptChanged,
    modelUnloaded: e.modelUnloaded ?? null,
    stateHashBefore: e.stateHashBefore,
    stateHashAfter: e.stateHashAfter,
    verification: e.verification === undefined ? 'not run' : e.verification.equal ? 'equal' : 'DIFFERENT',
    scratchHash: e.verification?.scratchHash ?? '',
    toolVersion: e.toolVersion,
    notes: e.notes ?? '',
    keyId: e.key?.signingKeyId ?? '',
    hmacKeyFingerprint: e.key?.hmacKeyFingerprint ?? '',
  };
}

const HMAC_NOTE = 'commitments in earlier entries stay checkable only with the HMAC key used then';

function meaningOf(c: KeyChange): string {
  const key = `signing key ${c.signingKeyId.slice(0, 16)}…`;
  switch (c.action) {
    case 'key-add':
      return c.vouchedBy
        ? `${key} added, countersigned by trusted key ${c.vouchedBy.slice(0, 16)}…; its commitments use HMAC key ${c.hmacKeyFingerprint.slice(0, 16)}… (${HMAC_NOTE})`
        : `${key} claims to be added but no trusted key countersigned it: verification fails`;
    case 'key-reset':
      return `KEY RESET: ${key} was added without a countersignature by any key the log trusted (a new device, browser profile, colleague or tool with none of the earlier keys); what it signed rests on that key alone — confirm with its holder.${c.vouchedBy ? ` A checkpoint by earlier key ${c.vouchedBy.slice(0, 16)}… covered it later (that signer appended after it).` : ''} Its commitments use HMAC key ${c.hmacKeyFingerprint.slice(0, 16)}…; ${HMAC_NOTE}`;
    case 'hmac-key':
      return `the HMAC key of ${key} was replaced (new fingerprint ${c.hmacKeyFingerprint.slice(0, 16)}…): ${HMAC_NOTE}`;
  }
}

const HOW_TO_VERIFY = [
  `Each line of ${LOG_FILE} is one entry in canonical JSON (keys sorted, no spaces). Its Merkle leaf hash is SHA-256(0x00 || the line's UTF-8 bytes without the newline).`,
  'The tree head is the RFC 9162 (RFC 6962) Merkle tree hash over all lines: interior node = SHA-256(0x01 || left || right), split at the largest power of two smaller than the size.',
  'Each entry also carries prevRoot, the tree head of all entries before it, and seq, its 0-based position: reordering, removing or inserting a line breaks both.',
  `The checkpoint is an Ed25519 signature over the text "erase-workbench audit checkpoint v1" + newline + {"rootHash":…,"size":…,"time":…} (canonical JSON). Check it with your own copy of ${PUBLIC_KEY_FILE} (key id = SHA-256 of its DER SubjectPublicKeyInfo), e.g. openssl pkeyutl -verify -pubin -inkey ${PUBLIC_KEY_FILE} -rawin -in message.txt -sigfile signature.bin.`,
  'Compare the tree head (size and root) with the one recorded in the workspace state: a log shorter than the recorded head had entries removed from its end.',
  'For a single request, an inclusion proof (leaf index, tree size, audit path, signed root) shows its entries are in the signed tree without revealing the rest of the log; verify it with the RFC 9162 §2.1.3.2 algorithm.',
  'Erased examples appear only as keyed commitments: HMAC-SHA256(workspace key, "erase-workbench/audit/v1/id" + NUL + example id). Only the holder of the workspace key can confirm that a given example was erased in a given entry.',
  `More than one signer: the key of the first checkpoint (the published ${PUBLIC_KEY_FILE}) is trusted from the start. A key-add entry (version 2) carries a new public key (its PEM and key id) and counts only once a checkpoint signed by an already-trusted key covers it. A key-reset entry adds a key no trusted key vouched for: it is accepted but always reported, and everything after it rests on that key. An hmac-key entry records a signer's new HMAC key by its fingerprint HMAC-SHA256(key, "erase-workbench/audit/v1/hmac-key-fingerprint" + NUL), never the key.`,
];

export async function buildReportModel(dir: string, opts: ExportOptions = {}): Promise<ReportModel> {
  const report = await verifyLog(dir, opts);
  const parsed = parseLog(readIfExists(join(dir, LOG_FILE)));
  const requests = new Map<string, Receipt[]>();
  for (const e of parsed.entries) {
    if (e === null) continue;
    const list = requests.get(e.requestId) ?? [];
    list.push(receipt(e));
    requests.set(e.requestId, list);
  }
  const pem = opts.keys
    ? typeof opts.keys.publicKeyPem === 'string'
      ? opts.keys.publicKeyPem
      : opts.keys.publicKeyPem[0]
    : readIfExists(join(dir, PUBLIC_KEY_FILE))?.toString('utf8');
  let keyId: string | null = null;
  try {
    keyId = pem ? publicKeyId(pem) : null;
  } catch {
    keyId = null;
  }
  const cp = report.latestCheckpoint;
  return {
    generatedAt: opts.generatedAt ?? null,
    verification: { ok: report.ok, problems: report.problems, warnings: report.warnings },
    head: { size: report.size, rootHash: report.rootHash },
    checkpoint: cp,
    checkpointMessage: cp ? checkpointMessage(cp.checkpoint).toString('utf8') : null,
    publicKeyId: keyId,
    keyChanges: report.keyChanges.map((c) => ({ ...c, meaning: meaningOf(c) })),
    trustedKeyIds: report.trustedKeyIds,
    requests: [...requests].map(([requestId, receipts]) => ({ requestId, receipts })),
    howToVerify: HOW_TO_VERIFY,
  };
}

export async function exportReport(dir: string, format: ReportFormat, opts: ExportOptions = {}): Promise<string> {
  const model = await buildReportModel(dir, opts);
  switch (format) {
    case 'json':
      return JSON.stringify(model, null, 2) + '\n';
    case 'csv':
      return renderCsv(model);
    case 'md':
      return renderMarkdown(model);
    case 'html':
      return renderHtml(model);
    default:
      throw new Error(`unknown report format ${String(format)}`);
  }
}

const CSV_COLUMNS: (keyof Receipt)[] = [
  'seq',
  'time',
  'action',
  'requester',
  'subjectRef',
  'erasedCount',
  'certified',
  'retrained',
  'promptChanged',
  'modelUnloaded',
  'stateHashBefore',
  'stateHashAfter',
  'verification',
  'scratchHash',
  'toolVersion',
  'notes',
  'keyId',
  'hmacKeyFingerprint',
];

/** One row per entry; the tree head and checkpoint go in the JSON/MD/HTML forms. */
export function renderCsv(model: ReportModel): string {
  let out = csvRow(['requestId', ...CSV_COLUMNS]);
  for (const r of model.requests) for (const rc of r.receipts) out += csvRow([r.requestId, ...CSV_COLUMNS.map((c) => rc[c] ?? '')]);
  return out;
}

const yesNo = (b: boolean | null): string => (b === null ? '—' : b ? 'yes' : 'no');

export function renderMarkdown(m: ReportModel): string {
  const md = escapeMarkdown;
  const lines: string[] = ['# ERASE Workbench — audit report', ''];
  if (m.generatedAt) lines.push(`Generated: ${md(m.generatedAt)}`, '');
  lines.push('## Verification at export', '', m.verification.ok ? '**OK** — no problem found.' : `**FAILED** — ${m.verification.problems.length} problem(s):`, '');
  for (const p of m.verification.problems) lines.push(`- ${md(p.kind)}: ${md(p.message)}`);
  for (const w of m.verification.warnings) lines.push(`- note: ${md(w)}`);
  lines.push('', '## Tree head', '', `- Size: ${m.head.size}`, `- Root hash: \`${md(m.head.rootHash)}\``);
  if (m.checkpoint) {
    const c = m.checkpoint;
    lines.push(
      '',
      '## Latest signed checkpoint',
      '',
      `- Size: ${c.checkpoint.size}`,
      `- Root hash: ${md(c.checkpoint.rootHash)}`,
      `- Time: ${md(c.checkpoint.time)}`,
      `- Key id: ${md(c.keyId)}`,
      `- Signature (base64): ${md(c.signature)}`,
    );
  } else lines.push('', 'No signed checkpoint.');
  lines.push('', '## Signing and HMAC keys', '', `- Trusted signing keys after replaying the log: ${m.trustedKeyIds.map((k) => `\`${md(k)}\``).join(', ') || 'none'}`);
  if (m.keyChanges.length === 0) lines.push('- No key changes: one signing key and one HMAC key throughout.');
  else {
    lines.push('', '| entry | time | change | signing key | HMAC key fingerprint | countersigned / later covered by | meaning |', '|---|---|---|---|---|---|---|');
    for (const c of m.keyChanges) {
      lines.push(
        `| ${[c.seq, md(c.time), c.action === 'key-reset' ? '**KEY RESET**' : md(c.action), md(c.signingKeyId), md(c.hmacKeyFingerprint), md(c.vouchedBy ?? '—'), md(c.meaning)].join(' | ')} |`,
      );
    }
  }
  lines.push('', '## Receipts by request', '');
  for (const r of m.requests) {
    lines.push(
      `### Request ${md(r.requestId)}`,
      '',
      '| seq | time | action | requester | subject | erased | certified | retrained | prompt changed | state before | state after | retrain check |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const rc of r.receipts) {
      lines.push(
        `| ${[rc.seq, md(rc.time), md(rc.action), md(rc.requester), md(rc.subjectRef), rc.erasedCount, yesNo(rc.certified), yesNo(rc.retrained), yesNo(rc.promptChanged), md(rc.stateHashBefore), md(rc.stateHashAfter), md(rc.verification)].join(' | ')} |`,
      );
    }
    const notes = r.receipts.filter((rc) => rc.notes !== '');
    for (const rc of notes) lines.push('', `Note on entry ${rc.seq}: ${md(rc.notes)}`);
    lines.push('');
  }
  lines.push('## How to verify', '');
  m.howToVerify.forEach((h, i) => lines.push(`${i + 1}. ${md(h)}`));
  return lines.join('\n') + '\n';
}

/** The report's one style block, allowed by its hash (no 'unsafe-inline'). */
const REPORT_STYLE =
  'body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2rem .4rem;font-size:.85rem}code{word-break:break-all}.bad{color:#b00}.good{color:#070}';
const REPORT_STYLE_HASH = `sha256-${createHash('sha256').update(REPORT_STYLE).digest('base64')}`;

export function renderHtml(m: ReportModel): string {
  const problems = m.verification.problems.map((p) => html`<li><code>${p.kind}</code> ${p.message}</li>`);
  const warnings = m.verification.warnings.map((w) => html`<li class="note">${w}</li>`);
  const cp = m.checkpoint;
  const checkpoint = cp
    ? html`<dl>
        <dt>Size</dt>
        <dd>${cp.checkpoint.size}</dd>
        <dt>Root hash</dt>
        <dd><code>${cp.checkpoint.rootHash}</code></dd>
        <dt>Time</dt>
        <dd>${cp.checkpoint.time}</dd>
        <dt>Key id</dt>
        <dd><code>${cp.keyId}</code></dd>
        <dt>Signature</dt>
        <dd><code>${cp.signature}</code></dd>
      </dl>`
    : html`<p>No signed checkpoint.</p>`;
  const keyChanges = m.keyChanges.length
    ? html`<table>
        <thead>
          <tr>
            <th>entry</th>
            <th>time</th>
            <th>change</th>
            <th>signing key</th>
            <th>HMAC key fingerprint</th>
            <th>countersigned / later covered by</th>
            <th>meaning</th>
          </tr>
        </thead>
        <tbody>
          ${m.keyChanges.map(
            (c) =>
              html`<tr>
                <td>${c.seq}</td>
                <td>${c.time}</td>
                <td>${c.action === 'key-reset' ? html`<strong class="bad">KEY RESET</strong>` : c.action}</td>
                <td><code>${c.signingKeyId}</code></td>
                <td><code>${c.hmacKeyFingerprint}</code></td>
                <td><code>${c.vouchedBy ?? '—'}</code></td>
                <td>${c.meaning}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : html`<p>No key changes: one signing key and one HMAC key throughout.</p>`;
  const requests = m.requests.map(
    (r) =>
      html`<section>
        <h3>Request ${r.requestId}</h3>
        <table>
          <thead>
            <tr>
              <th>seq</th>
              <th>time</th>
              <th>action</th>
              <th>requester</th>
              <th>subject</th>
              <th>erased</th>
              <th>certified</th>
              <th>retrained</th>
              <th>prompt changed</th>
              <th>state before</th>
              <th>state after</th>
              <th>retrain check</th>
              <th>notes</th>
            </tr>
          </thead>
          <tbody>
            ${r.receipts.map(
              (rc) =>
                html`<tr>
                  <td>${rc.seq}</td>
                  <td>${rc.time}</td>
                  <td>${rc.action}</td>
                  <td>${rc.requester}</td>
                  <td>${rc.subjectRef}</td>
                  <td>${rc.erasedCount}</td>
                  <td>${yesNo(rc.certified)}</td>
                  <td>${yesNo(rc.retrained)}</td>
                  <td>${yesNo(rc.promptChanged)}</td>
                  <td><code>${rc.stateHashBefore}</code></td>
                  <td><code>${rc.stateHashAfter}</code></td>
                  <td>${rc.verification}</td>
                  <td>${rc.notes}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>`,
  );
  const body: SafeHtml = html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '${REPORT_STYLE_HASH}'" />
        <title>ERASE Workbench — audit report</title>
        <style>
          ${REPORT_STYLE}
        </style>
      </head>
      <body>
        <h1>ERASE Workbench — audit report</h1>
        ${m.generatedAt ? html`<p>Generated: ${m.generatedAt}</p>` : ''}
        <h2>Verification at export</h2>
        ${m.verification.ok ? html`<p class="good">OK — no problem found.</p>` : html`<p class="bad">FAILED — ${m.verification.problems.length} problem(s):</p>`}
        <ul>
          ${problems}${warnings}
        </ul>
        <h2>Tree head</h2>
        <dl>
          <dt>Size</dt>
          <dd>${m.head.size}</dd>
          <dt>Root hash</dt>
          <dd><code>${m.head.rootHash}</code></dd>
        </dl>
        <h2>Latest signed checkpoint</h2>
        ${checkpoint}
        <h2>Signing and HMAC keys</h2>
        <p>Trusted signing keys after replaying the log: ${m.trustedKeyIds.map((k) => html`<code>${k}</code> `)}</p>
        ${keyChanges}
        <h2>Receipts by request</h2>
        ${requests}
        <h2>How to verify</h2>
        <ol>
          ${m.howToVerify.map((h) => html`<li>${h}</li>`)}
        </ol>
      </body>
    </html> `;
  return body.value;
}
