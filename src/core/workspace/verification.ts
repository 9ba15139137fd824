/**
 * `verify` as an audited action of its own: the retrain-from-scratch comparison runs without the
 * workspace lock (it can take a while), then its result is committed as a `verify` audit entry
 * through the one transaction unit, with the state unchanged (state hash before = after). If an
 * erasure changed the state while the retrain ran, the result is about a state that is gone: it
 * is not recorded and the caller is told to verify again.
 */
import { UserError } from '../errors';
import { keyStoreFor } from './erasure';
import { loadState } from './persisted';
import { runTransaction, unchangedStatePlan } from './transaction';
import type { EraseWorkspace, VerifyReport, WorkOptions } from './workspace';

export interface RecordedVerifyReport extends VerifyReport {
  /** The audit log position of the `verify` entry recording this result. */
  readonly auditSeq: number;
  readonly requestId: string;
  readonly time: string;
}

export async function verifyAndRecord(ws: EraseWorkspace, opts: WorkOptions = {}): Promise<RecordedVerifyReport> {
  const report = await ws.verify(opts);
  const time = opts.time ?? new Date().toISOString();
  return runTransaction(ws, keyStoreFor(ws), async () => {
    const now = loadState(ws.paths)?.hash;
    if (now !== report.stateHash)
      throw new UserError('the cluster state changed while it was being verified (an erasure ran meanwhile); nothing was recorded: verify again', 'check', 'verify');
    return {
      plan: unchangedStatePlan(report.stateHash, {
        action: 'verify',
        entry: {
          time,
          verification: { equal: report.equal, scratchHash: report.scratchHash },
          notes: report.equal ? 'state equals a retrain from scratch' : 'state DIFFERS from a retrain from scratch',
        },
      }),
      result: (c) => ({ ...report, auditSeq: c!.entry.seq, requestId: c!.requestId, time }),
    };
  });
}
