/**
 * The AnswerWriter port (outbound/ports.ts) over the host's records: "save from the response"
 * writes values of a receiver's answer onto the delivery's record, as the run's actor and with
 * origin hookflow (the run, chain depth + 1, the run's external system), so the chain-depth limit applies to workflows the
 * write starts, exactly as for update_record.
 *
 * No silent overwrite: a field is written only if it still holds what it held when the delivery
 * was queued. One that changed meanwhile is a conflict and nothing is written. A field that
 * already holds the answer's value counts as saved (a write-back repeated after a worker died
 * between writing and recording it, or another edit that agreed). The read and the write are two
 * host calls: an edit landing between them (milliseconds) is not detected — the host contract
 * has no conditional update.
 */
import type { Db, HostContext } from '../host.js';
import type { AnswerToSave, AnswerWriter } from '../outbound/ports.js';
import { getRun } from './runs.js';

const isBlank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** Same value as a person would read it: blank equals blank, and 5 equals "5". */
export function sameFieldValue(a: unknown, b: unknown): boolean {
  if (isBlank(a) || isBlank(b)) return isBlank(a) && isBlank(b);
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

const shown = (v: unknown) => (isBlank(v) ? 'empty' : JSON.stringify(v));

/** The fields edited since the delivery was queued, in plain words; empty when none. */
export function conflictsOf(current: Record<string, unknown>, answer: AnswerToSave): string[] {
  return Object.keys(answer.values)
    .filter((f) => !sameFieldValue(current[f], answer.values[f]) && !sameFieldValue(current[f], answer.expected[f]))
    .map(
      (f) => `${f} changed since the delivery was queued (was ${shown(answer.expected[f])}, now ${shown(current[f])})`,
    );
}

export function createAnswerWriter(deps: { db: Db; host: HostContext }): AnswerWriter {
  return {
    async save(answer) {
      const record = await deps.host.records.get(answer.module, answer.recordId);
      if (!record) return { problem: `${answer.module} record ${answer.recordId} no longer exists` };
      const conflicts = conflictsOf(record.fields, answer);
      if (conflicts.length > 0) return { problem: `${conflicts.join('; ')}; nothing was overwritten` };
      const changed = Object.fromEntries(
        Object.entries(answer.values).filter(([f, v]) => !sameFieldValue(record.fields[f], v)),
      );
      const what = Object.entries(answer.values)
        .map(([f, v]) => `${f} = ${shown(v)}`)
        .join(', ');
      if (Object.keys(changed).length === 0) return { saved: `${what} (already there)` };
      const run = answer.runId === null ? null : await getRun(deps.db, answer.runId);
      await deps.host.records.update(answer.module, answer.recordId, changed, {
        actorUserId: run?.actorUserId ?? null,
        origin: {
          runId: answer.runId ?? undefined,
          chainDepth: (run?.chainDepth ?? 0) + 1,
          ...(run?.originSystem ? { system: run.originSystem } : {}),
        },
      });
      return { saved: `saved ${what} on ${answer.module} record ${answer.recordId}` };
    },
  };
}
