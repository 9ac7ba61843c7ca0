/**
 * The refused-requests log: who was turned away by the short URL and why, so an admin setting
 * up a form can see "403 from 203.0.113.9: not an allowed source" instead of guessing. Only
 * the newest `refusedLogSize` rows are kept (the retention chore trims the table). Never holds
 * tokens or bodies: the reason texts are written by Hookflow, not by the caller.
 */
import type { Knex } from 'knex';

export interface Refusal { id: number; ip: string; target: string | null; reason: string; status: number; createdAt: number }

export interface RefusalInput { ip: string; target: string | null; reason: string; status: number }

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function createRefusalLog(deps: { db: Knex; now(): number }) {
  const { db } = deps;
  return {
    async record(r: RefusalInput): Promise<void> {
      await db('hookflow_http_refusals').insert({ ip: clip(r.ip, 64), target: r.target ? clip(r.target, 200) : null, reason: clip(r.reason, 300), status: r.status, created_at: deps.now() });
    },
    async list(limit = 50, offset = 0): Promise<{ refusals: Refusal[]; total: number }> {
      const rows = await db('hookflow_http_refusals').orderBy('id', 'desc').limit(limit).offset(offset);
      const [{ n }] = await db('hookflow_http_refusals').count({ n: '*' });
      return {
        total: Number(n),
        refusals: rows.map((r: Record<string, any>) => ({ id: Number(r.id), ip: r.ip, target: r.target ?? null, status: Number(r.status), reason: r.reason, createdAt: Number(r.created_at) })),
      };
    },
  };
}

export type RefusalLog = ReturnType<typeof createRefusalLog>;
