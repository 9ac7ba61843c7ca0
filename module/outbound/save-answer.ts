/**
 * "Save from the response", the worker's half: after a 2xx, take the rules' values from the
 * answer (pure, response-paths.ts) and hand them to the AnswerWriter port. A problem — answer cut
 * at the read limit, not JSON, a path missing, a field changed meanwhile, a value refused — makes
 * the delivery fail with that reason (and alert), because the receiver's answer is then lost to
 * the CRM. Nothing is retried by itself: sending again would not change the answer.
 */
import type { SentAttempt } from './dispatch.js';
import type { AnswerWriter } from './ports.js';
import type { Delivery } from './queue/read.js';
import { valuesFromAnswer } from './response-paths.js';

export type AnswerOutcome = { saved: string } | { problem: string };

/** What saving the answer did, or null when this attempt has nothing to save (no rules, not a 2xx). */
export async function saveAnswer(
  d: Delivery,
  sent: SentAttempt,
  writer: AnswerWriter | undefined,
  limitBytes: number,
): Promise<AnswerOutcome | null> {
  if (!d.writeBack || sent.outcome !== 'success') return null;
  if (!writer) return { problem: 'this worker cannot write to records' };
  if (d.module === null || d.recordId === null) return { problem: 'the delivery names no record' };
  const taken = valuesFromAnswer(
    { body: sent.responseBody, truncated: sent.responseTruncated, contentType: sent.responseHeaders?.['content-type'] },
    d.writeBack.rules,
    limitBytes,
  );
  if ('error' in taken) return { problem: taken.error };
  try {
    return await writer.save({
      runId: d.runId,
      module: d.module,
      recordId: d.recordId,
      values: taken.values,
      expected: d.writeBack.expected,
    });
  } catch (err) {
    return { problem: `the CRM refused it: ${(err as Error).message}`.slice(0, 500) };
  }
}

/** The attempt's error and write-back note for an outcome (null outcome: unchanged). */
export function describeAnswer(
  outcome: AnswerOutcome | null,
  statusCode: number | null,
): { error: string | null; note: string | null } {
  if (!outcome) return { error: null, note: null };
  if ('saved' in outcome) return { error: null, note: outcome.saved };
  return {
    error: `HTTP ${statusCode}, but the answer was not saved: ${outcome.problem}`,
    note: `not saved: ${outcome.problem}`,
  };
}
