/**
 * The refused-requests log: who was turned away by the short URL and why, so an admin setting
 * up a form can see "403 from 203.0.113.9: not an allowed source" instead of guessing. Only
 * the newest `refusedLogSize` rows are kept (the retention chore trims the table). Never holds
 * tokens or bodies: the reason texts are written by Hookflow, not by the caller.
 * Repeats are counted, not written (refusal-policy.ts): a row stands for its first refusal
 * plus `repeats` more like it from the same source, the last at `lastAt`, and one source holds
 * at most a few rows, so a flood from one source cannot push other sources' entries out.
 */
import type { Knex } from 'knex';
import { pruneInBatches, type PruneOptions } from '../storage/prune.js';
import { ipKeyGenerator } from 'express-rate-limit';
import { planRefusalWrite, REFUSAL_AGGREGATION, type RefusalAggregation, type SourceRow } from './refusal-policy.js';

export interface Refusal {
  id: number;
  ip: string;
  target: string | null;
  reason: string;
  status: number;
  createdAt: number;
  /** How many more refusals counted on this row (alike, from the same source) arrived after it. */
  repeats: number;
  /** When the last of them arrived (= createdAt when there were none). */
  lastAt: number;
}

export interface RefusalInput {
  ip: string;
  target: string | null;
  reason: string;
  status: number;
}

const TABLE = 'hookflow_http_refusals';
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The source a refusal is counted for: the address, IPv6 by /56 like the per-IP limit. */
export function refusalSourceKey(ip: string): string {
  return clip(ipKeyGenerator(ip), 64);
}

const toSourceRow = (r: Record<string, any>): SourceRow => ({
  id: Number(r.id),
  status: Number(r.status),
  target: r.target ?? null,
  reason: r.reason,
  lastAt: Number(r.last_at ?? r.created_at),
});

export function createRefusalLog(deps: { db: Knex; now(): number; aggregation?: RefusalAggregation }) {
  const { db } = deps;
  const policy = deps.aggregation ?? REFUSAL_AGGREGATION;
  return {
    async record(r: RefusalInput): Promise<void> {
      const now = deps.now();
      const sourceKey = refusalSourceKey(r.ip);
      const kind = { status: r.status, target: r.target ? clip(r.target, 200) : null, reason: clip(r.reason, 300) };
      const recent = await db(TABLE)
        .where({ source_key: sourceKey })
        .orderBy('id', 'desc')
        .limit(policy.maxRowsPerSource)
        .select('id', 'status', 'target', 'reason', 'created_at', 'last_at');
      const plan = planRefusalWrite(recent.map(toSourceRow), kind, now, policy);
      if (plan.kind === 'count') {
        await db(TABLE)
          .where({ id: plan.id })
          .update({ repeats: db.raw('repeats + 1'), last_at: now });
        return;
      }
      await db(TABLE).insert({
        ...kind,
        ip: clip(r.ip, 64),
        source_key: sourceKey,
        created_at: now,
        last_at: now,
        repeats: 0,
      });
    },
    async list(limit = 50, offset = 0): Promise<{ refusals: Refusal[]; total: number }> {
      const rows = await db(TABLE).orderBy('id', 'desc').limit(limit).offset(offset);
      const [{ n }] = await db(TABLE).count({ n: '*' });
      return {
        total: Number(n),
        refusals: rows.map((r: Record<string, any>) => ({
          id: Number(r.id),
          ip: r.ip,
          target: r.target ?? null,
          status: Number(r.status),
          reason: r.reason,
          createdAt: Number(r.created_at),
          repeats: Number(r.repeats ?? 0),
          lastAt: Number(r.last_at ?? r.created_at),
        })),
      };
    },
  };
}

export type RefusalLog = ReturnType<typeof createRefusalLog>;

/** Refusals beyond the newest `keep` (by id), in bounded batches; returns how many went. */
export async function pruneRefusals(db: Knex, keep: number, opts?: PruneOptions): Promise<number> {
  const floorRow = await db('hookflow_http_refusals')
    .select('id')
    .orderBy('id', 'desc')
    .offset(keep - 1)
    .limit(1)
    .first();
  if (!floorRow) return 0;
  const floor = Number(floorRow.id);
  return pruneInBatches(
    {
      select: async (after, limit) =>
        (
          await db('hookflow_http_refusals')
            .select('id')
            .where('id', '>', after)
            .where('id', '<', floor)
            .orderBy('id')
            .limit(limit)
        ).map((r: { id: unknown }) => Number(r.id)),
      remove: (doomed) => db('hookflow_http_refusals').whereIn('id', doomed).del(),
    },
    opts,
  );
}
