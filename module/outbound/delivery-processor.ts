/**
 * Processes one leased delivery: reads the webhook's credentials at send time, makes one
 * attempt through the guarded agent, asks the pure retry policy what comes next, and records
 * attempt + new state atomically. A 410 Gone disables the webhook task.
 */
import type { Knex } from 'knex';
import type { Agent } from 'undici';
import type { HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { dbNowMs } from '../storage/engine.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { StoredTask } from '../workflows/model.js';
import { createGuardedAgent, parseAllowlist } from './url-guard.js';
import { decideAfterAttempt, type AttemptResult } from './retry-policy.js';
import { sendAttempt, type Credentials } from './dispatch.js';
import { firstAttemptAt, recordAttempt, type AttemptRecord, type Delivery, type NextState } from './deliveries.js';

export interface DeliveryProcessorDeps {
  db: Knex;
  store: WorkflowStore;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** Randomness for retry jitter. Default Math.random. */
  random?: () => number;
}

function credentialsOf(task: StoredTask | null, secrets: Record<string, string>): Credentials {
  const o = (task?.options ?? {}) as { auth?: Credentials['auth']; username?: string; sign?: boolean };
  return { auth: o.auth ?? 'none', username: o.username, password: secrets.password, token: secrets.token, signingSecret: o.sign ? secrets.signingSecret : undefined };
}

function toPolicyInput(a: AttemptRecord & { retryAfter: string | null }): AttemptResult {
  if (a.statusCode !== null) return { kind: 'response', statusCode: a.statusCode, retryAfter: a.retryAfter };
  if (a.outcome === 'blocked') return { kind: 'blocked', message: a.error ?? 'blocked' };
  return { kind: a.outcome === 'timeout' ? 'timeout' : 'network_error', message: a.error ?? 'network error' };
}

export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  let agent: { key: string; agent: Agent } | null = null;
  const retired: Agent[] = [];

  // One agent per (allowlist, timeout); rebuilt when an admin changes either.
  function agentFor(s: HookflowSettings): Agent {
    const key = JSON.stringify([s.outboundAllowlist, s.requestTimeoutMs]);
    if (agent?.key !== key) {
      if (agent) retired.push(agent.agent);
      const allow = parseAllowlist(s.outboundAllowlist);
      agent = { key, agent: createGuardedAgent({ allowlist: 'ok' in allow ? allow.ok : [], timeoutMs: s.requestTimeoutMs }) };
    }
    return agent.agent;
  }

  async function attempt(d: Delivery, task: StoredTask | null, s: HookflowSettings, nowMs: number) {
    if (task?.disabledAt) {
      return { outcome: 'blocked' as const, statusCode: null, responseHeaders: null, responseBody: null, error: `webhook disabled: ${task.disabledReason ?? ''}`.trim(), startedAt: nowMs, durationMs: 0, retryAfter: null };
    }
    const secrets = task ? deps.store.openSecrets(task) : {};
    return sendAttempt({ delivery: d, credentials: credentialsOf(task, secrets), agent: agentFor(s), timeoutMs: s.requestTimeoutMs, nowMs });
  }

  return {
    async process(d: Delivery, workerId: string): Promise<void> {
      const s = deps.settings();
      const task = d.taskId ? await deps.store.getTask(d.taskId) : null;
      const nowMs = await dbNowMs(deps.db);
      const result = await attempt(d, task, s, nowMs);
      const first = d.attemptCount === 0 ? nowMs : (await firstAttemptAt(deps.db, d.id)) ?? nowMs;
      const decision = decideAfterAttempt({
        attemptNo: d.attemptCount + 1, result: toPolicyInput(result), schedule: s.retrySchedule, jitter: s.retryJitter,
        retryAfterCapSeconds: s.retryAfterCapSeconds, firstAttemptAtMs: first, nowMs: nowMs + result.durationMs, random: deps.random ?? Math.random,
      });
      const next: NextState = decision.action === 'success' ? { status: 'success' } : decision.action === 'retry' ? { status: 'queued', nextAttemptAt: decision.atMs } : { status: 'failed' };
      const error = decision.action === 'success' ? null : result.error ?? decision.reason;
      const kept = await recordAttempt(deps.db, d, workerId, { ...result, error }, next);
      if (!kept) deps.logger.warn({ deliveryId: d.id, webhookId: d.webhookId }, 'delivery lease lost before the attempt was recorded; the new holder decides');
      if (decision.action === 'fail' && decision.disableWebhook && task) {
        await deps.store.disableTask(task.id, `receiver answered 410 Gone for ${d.url}`);
        deps.logger.warn({ taskId: task.id, url: d.url }, 'webhook disabled: receiver answered 410 Gone');
      }
    },
    async close(): Promise<void> {
      const all = [...retired.splice(0), ...(agent ? [agent.agent] : [])];
      agent = null;
      await Promise.allSettled(all.map((a) => a.close()));
    },
  };
}
