/**
 * Processes one leased delivery: reads the webhook's secrets at send time (credentials, signing
 * secret, the Bitrix24 application token that fills the stored body's token slot), makes one
 * attempt through the guarded agent, asks the pure retry policy what comes next, and records
 * attempt + new state atomically. A delivery whose webhook is disabled is held, not attempted. A
 * 410 Gone from a URL without record data disables the webhook (before the failure and its alert
 * are recorded, so the alert reads it disabled) and holds its other queued deliveries; from a
 * templated URL it fails that delivery only.
 *
 * Throughput: attempts are group-committed and written again through a brief database outage
 * (attempt-writer.ts), and concurrent reads of the same task share one query. The sender waits
 * for its attempt's commit before the item counts as done.
 */
import type { Knex } from 'knex';
import type { Agent } from 'undici';
import type { HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { dbNowMs } from '../storage/engine.js';
import { createGuardedAgent, parseAllowlist } from './url-guard.js';
import { decideAfterAttempt, parseRetryAfter, type AttemptResult } from './retry-policy.js';
import { sendAttempt, type Credentials } from './dispatch.js';
import { formEncodeValue } from './bodies.js';
import { requestToSend, urlCarriesRecordData } from './webhook-request.js';
import { holdLeasedDelivery, holdQueuedDeliveries } from './queue/hold.js';
import type { AnswerWriter, OnFinalFailure, WebhookTarget, WebhookTargets } from './ports.js';
import { describeAnswer, saveAnswer } from './save-answer.js';
import { firstAttemptAt, type Delivery } from './queue/read.js';
import { noteTooManyRequests } from './queue/rate-buckets.js';
import type { AttemptRecord, NextState } from './queue/record-attempts.js';
import { createAttemptWriter, retryTransient } from './attempt-writer.js';

export interface DeliveryProcessorDeps {
  db: Knex;
  /** The webhooks deliveries belong to, read at send time (options, secrets, disabled). */
  targets: WebhookTargets;
  /** Written in the transaction that records a delivery's final failure (its alert). Default none. */
  onFinalFailure?: OnFinalFailure;
  /** Writes "save from the response" values onto records. Default none (such deliveries then fail, saying so). */
  answers?: AnswerWriter;
  settings(): HookflowSettings;
  logger: HostLogger;
  /** Randomness for retry jitter. Default Math.random. */
  random?: () => number;
}

/** Shorter secrets are not hunted for in answers: they would garble ordinary text. */
const MIN_REDACTED_LENGTH = 6;

/**
 * Every spelling of a task's secrets a receiver could echo back (httpbin-style receivers return
 * the request's headers and body): as typed, percent-, form- and JSON-escaped, and the Basic
 * header's base64. Longest first, so a longer spelling is replaced before a part of it.
 */
export function secretSpellings(credentials: Credentials, secrets: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const v of Object.values(secrets)) {
    if (typeof v !== 'string' || v.length < MIN_REDACTED_LENGTH) continue;
    for (const s of [v, encodeURIComponent(v), formEncodeValue(v), JSON.stringify(v).slice(1, -1)]) out.add(s);
  }
  if (credentials.auth === 'basic' && credentials.password)
    out.add(Buffer.from(`${credentials.username ?? ''}:${credentials.password}`).toString('base64'));
  return [...out].sort((a, b) => b.length - a.length);
}

const redact = (text: string, spellings: string[]) => spellings.reduce((t, s) => t.split(s).join('••••'), text);

/** An attempt with every secret spelling removed from what the receiver answered, before it is stored or shown. */
export function redactAttempt<T extends AttemptRecord>(a: T, spellings: string[]): T {
  if (spellings.length === 0) return a;
  const headers =
    a.responseHeaders &&
    Object.fromEntries(Object.entries(a.responseHeaders).map(([k, v]) => [k, redact(v, spellings)]));
  return {
    ...a,
    responseHeaders: headers,
    responseBody: a.responseBody && redact(a.responseBody, spellings),
    error: a.error && redact(a.error, spellings),
  };
}

function toPolicyInput(a: AttemptRecord & { retryAfter: string | null }): AttemptResult {
  if (a.statusCode !== null) return { kind: 'response', statusCode: a.statusCode, retryAfter: a.retryAfter };
  if (a.outcome === 'blocked') return { kind: 'blocked', message: a.error ?? 'blocked' };
  return { kind: a.outcome === 'timeout' ? 'timeout' : 'network_error', message: a.error ?? 'network error' };
}

/** Concurrent reads of one webhook (a claimed batch often shares it) share a single query. */
function createTargetReader(targets: WebhookTargets) {
  const pending = new Map<number, Promise<WebhookTarget | null>>();
  return (id: number): Promise<WebhookTarget | null> => {
    let p = pending.get(id);
    if (!p) {
      p = targets.load(id).finally(() => pending.delete(id));
      pending.set(id, p);
    }
    return p;
  };
}

export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  // One agent per (allowlist, timeout), kept until close(): an admin changing either gets a new
  // one, and a run waiting for an answer longer than requestTimeoutMs gets its own — the agent's
  // header and body timeouts would otherwise cut that wait at requestTimeoutMs.
  const agents = new Map<string, Agent>();
  const writeAttempt = createAttemptWriter({
    db: deps.db,
    onFinalFailure: deps.onFinalFailure,
    settings: deps.settings,
    onRetry: (err, failures, delayMs) =>
      deps.logger.warn(
        { err: String(err), failures, delayMs },
        'recording a sent delivery failed (database unreachable); writing it again',
      ),
  });
  const readTarget = createTargetReader(deps.targets);

  function agentFor(s: HookflowSettings, timeoutMs: number): Agent {
    const longest = Math.max(s.requestTimeoutMs, timeoutMs);
    const key = JSON.stringify([s.outboundAllowlist, longest]);
    let agent = agents.get(key);
    if (!agent) {
      const allow = parseAllowlist(s.outboundAllowlist);
      agent = createGuardedAgent({ allowlist: 'ok' in allow ? allow.ok : [], timeoutMs: longest });
      agents.set(key, agent);
    }
    return agent;
  }

  async function disable(taskId: number, url: string): Promise<void> {
    await deps.targets.disable(taskId, `receiver answered 410 Gone for ${url}`);
    const held = await holdQueuedDeliveries(deps.db, taskId);
    deps.logger.warn(
      { taskId, url, held },
      'webhook disabled: receiver answered 410 Gone; its queued deliveries are held',
    );
  }

  const refused = (error: string, nowMs: number) => ({
    outcome: 'blocked' as const,
    statusCode: null,
    responseHeaders: null,
    responseBody: null,
    error,
    startedAt: nowMs,
    durationMs: 0,
    retryAfter: null,
    responseTruncated: false,
  });

  async function attempt(
    d: Delivery,
    target: WebhookTarget | null,
    s: HookflowSettings,
    nowMs: number,
    timeoutMs: number,
    lease?: AbortSignal,
  ) {
    // Refuse when unsure: unreadable options would mean sending without the credentials or signature they name.
    if (target && !target.options)
      return refused("the webhook's stored options cannot be read; open and save the webhook", nowMs);
    const secrets = target?.secrets ?? {};
    const { delivery, credentials } = requestToSend(d, target?.options ?? null, secrets);
    const result = await sendAttempt({
      delivery,
      credentials,
      agent: agentFor(s, timeoutMs),
      timeoutMs,
      nowMs,
      bodyLimitBytes: s.responseBodyLimitBytes,
      signal: lease,
    });
    return redactAttempt(result, secretSpellings(credentials, secrets));
  }

  return {
    /**
     * `claimedAtMs` (database clock at the claim, which happens right before) saves a clock query.
     * `lease` (the lease heartbeat's) aborts the request when the lease is lost; nothing is recorded then.
     * `timeoutMs`: this attempt's request timeout (a run waiting for the answer has its own). Default requestTimeoutMs.
     */
    async process(
      d: Delivery & { claimedAtMs?: number; leaseOwner: string },
      workerId: string,
      opts: { lease?: AbortSignal; timeoutMs?: number } = {},
    ): Promise<void> {
      const s = deps.settings();
      const target = d.taskId ? await readTarget(d.taskId) : null;
      // Disabled (410, or by an admin) after it was queued: it waits, burning no retries.
      if (target?.disabledAt) {
        if (!(await holdLeasedDelivery(deps.db, d.id, d.leaseOwner)))
          deps.logger.warn({ deliveryId: d.id }, 'delivery lease lost before it could be held');
        return;
      }
      const nowMs = d.claimedAtMs ?? (await dbNowMs(deps.db));
      const result = await attempt(d, target, s, nowMs, opts.timeoutMs ?? s.requestTimeoutMs, opts.lease);
      if (opts.lease?.aborted)
        return void deps.logger.warn(
          { deliveryId: d.id, webhookId: d.webhookId },
          'delivery lease lost during the request; it was aborted and the new holder decides',
        );
      const answer = describeAnswer(
        await saveAnswer(d, result, deps.answers, s.responseBodyLimitBytes),
        result.statusCode,
      );
      // A resend starts a new cycle: the schedule and the attempt limit count from it.
      const inCycle = d.attemptCount - d.cycleAttemptBase;
      // From here on the request was sent: a brief outage is waited out, not a reason to send again.
      const retrying = { lease: opts.lease };
      const first =
        inCycle === 0
          ? nowMs
          : ((await retryTransient(() => firstAttemptAt(deps.db, d.id, d.cycleAttemptBase), retrying)) ?? nowMs);
      const decision = decideAfterAttempt({
        attemptNo: inCycle + 1,
        result: toPolicyInput(result),
        schedule: s.retrySchedule,
        jitter: s.retryJitter,
        retryAfterCapSeconds: s.retryAfterCapSeconds,
        firstAttemptAtMs: first,
        nowMs: nowMs + result.durationMs,
        random: deps.random ?? Math.random,
        urlCarriesRecordData: target?.options ? urlCarriesRecordData(target.options) : false,
      });
      if (decision.action === 'fail' && decision.disableWebhook && target) await disable(target.taskId, d.url);
      const next: NextState = answer.error
        ? { status: 'failed', exhausted: false }
        : decision.action === 'success'
          ? { status: 'success' }
          : decision.action === 'retry'
            ? { status: 'queued', nextAttemptAt: decision.atMs }
            : { status: 'failed', exhausted: decision.exhausted };
      // A 410's consequence (disabled, or this delivery only) is worth more than a bare "HTTP 410".
      const error =
        answer.error ??
        (decision.action === 'success'
          ? null
          : result.statusCode === 410
            ? decision.reason
            : (result.error ?? decision.reason));
      // Too many requests: the whole destination waits its Retry-After and slows down, so its
      // other deliveries do not burn their retries on more 429s. Noted BEFORE the attempt is
      // written: writing it frees the destination's slot, and the next claim must see the pause.
      if (result.statusCode === 429) {
        const asked = parseRetryAfter(result.retryAfter, nowMs + result.durationMs);
        await retryTransient(
          () => noteTooManyRequests(deps.db, d.destinationHost, asked, s.retryAfterCapSeconds * 1000),
          retrying,
        );
      }
      const kept = await writeAttempt(
        {
          delivery: d,
          workerId,
          leaseOwner: d.leaseOwner,
          attempt: { ...result, error, writeBack: answer.note },
          next,
        },
        opts.lease,
      );
      if (!kept)
        deps.logger.warn(
          { deliveryId: d.id, webhookId: d.webhookId },
          'delivery lease lost before the attempt was recorded; the new holder decides',
        );
    },
    async close(): Promise<void> {
      const all = [...agents.values()];
      agents.clear();
      await Promise.allSettled(all.map((a) => a.close()));
    },
  };
}
