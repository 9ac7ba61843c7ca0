/**
 * Hookflow's settings: one zod schema with every default, the single source of truth.
 *
 * Effective settings = schema defaults ← `install(host, { settings })` ← values an admin
 * saved on the settings page (stored in `hookflow_settings`). A bad value stops start-up
 * with a message naming the setting.
 */
import { z } from 'zod';
import { HookflowError } from './errors.js';
import { parseTrustedProxies } from './inbound/client-address.js';
import { parseAllowlist } from './outbound/url-guard.js';
import { parseRateLimit, parseRateRule } from './outbound/rate-limit.js';

const seconds = z
  .number()
  .int()
  .min(1)
  .max(30 * 24 * 3600);

export const HookflowSettings = z.object({
  /** Master switch. Off: hooks do nothing, the short URL answers 503, the worker idles. Default true. */
  enabled: z.boolean().default(true),
  /**
   * Path of the short URL below the inbound mount (manifest `routes.inbound`, default `/wf`).
   * Default `/`: the short URL is the mount itself, e.g. `https://crm.example/wf`.
   */
  shortUrlPath: z
    .string()
    .regex(/^\/([A-Za-z0-9_-]{1,32})?$/, 'must be / optionally followed by 1-32 letters, digits, _ or -')
    .default('/'),
  /** Delays (seconds) of each retry after the first attempt. Default 1h, 2h, 4h (the seed's schedule). */
  retrySchedule: z.array(seconds).max(20).default([3600, 7200, 14400]),
  /** Random extra delay as a share of each retry delay (0-0.5). Default 0.1. */
  retryJitter: z.number().min(0).max(0.5).default(0.1),
  /** Upper bound for a receiver's Retry-After, in seconds. Default 86400 (1 day). */
  retryAfterCapSeconds: seconds.default(86400),
  /** Outbound request timeout in ms (connect + response). Default 15000. */
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  /** Deliveries in flight at once per worker process. Default 16. */
  maxConcurrency: z.number().int().min(1).max(512).default(16),
  /** Deliveries in flight at once per destination host (host:port), across all worker processes. Default 4. */
  perHostConcurrency: z.number().int().min(1).max(128).default(4),
  /**
   * Consecutive failed attempts (no connection, timeout, 5xx, 429, 408) to one destination
   * (host:port), across all its deliveries, after which its deliveries are held and the worker
   * probes it with the oldest one; 0 = never hold. Default 10.
   */
  destinationPauseAfterFailures: z.number().int().min(0).max(10_000).default(10),
  /** First probe of a held destination this long after it was held, doubling after each failed probe, seconds. Default 30. */
  destinationProbeSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(30),
  /** Longest wait between two probes of a held destination, seconds (never below destinationProbeSeconds). Default 3600. */
  destinationProbeMaxSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600),
  /**
   * send_email: longest wait for the host's mailer (the SMTP server's answer) per mail, ms; the
   * task fails when it passes. Default 30000. `leaseSeconds` must be longer.
   */
  mailTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /**
   * create_record / update_record: longest wait for the host's record call, ms; the task fails
   * when it passes. Also bounds task types without a timeout of their own (webhook: queueing its
   * delivery; set_env, respond). Default 15000. `leaseSeconds` must be longer.
   */
  recordCallTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  /**
   * How long a claimed delivery/run is leased before another worker may take it, seconds; the
   * worker renews it every third of that while the task or request is in flight (the lease
   * heartbeat). Must be longer than every timeout above. Default 60.
   */
  leaseSeconds: z.number().int().min(5).max(3600).default(60),
  /** Worker poll interval when nothing wakes it, ms. Default 1000. */
  pollIntervalMs: z.number().int().min(20).max(60_000).default(1000),
  /**
   * Proxies whose X-Forwarded-For is believed: addresses/CIDRs/ranges, or ONE hop count such as
   * "1" (trust that many proxies in front, whatever their address). Default none: the socket address.
   */
  trustedProxies: z
    .array(z.string().max(100))
    .max(100)
    .default([])
    .superRefine((v, ctx) => {
      const parsed = parseTrustedProxies(v);
      if ('errors' in parsed)
        ctx.addIssue({ code: 'custom', message: parsed.errors.map((e) => `"${e.text}": ${e.error}`).join('; ') });
    }),
  /**
   * Most requests per destination host (host:port) across all workers, e.g. "10/s" or "600/m";
   * deliveries over it wait queued, using no retry. Default "" (no limit).
   */
  destinationRateLimit: z
    .string()
    .max(40)
    .default('')
    .refine((v) => v.trim() === '' || parseRateLimit(v) !== null, 'must be a rate above 0 such as 10/s or 600/m'),
  /** Per-host limits over the default, one "host[:port] N/s" each (a rule with a port wins). Default none. */
  destinationRateLimits: z
    .array(z.string().max(300))
    .max(200)
    .default([])
    .superRefine((v, ctx) => {
      const errors = v.map(parseRateRule).flatMap((r) => ('error' in r ? [r.error] : []));
      if (errors.length > 0) ctx.addIssue({ code: 'custom', message: errors.join('; ') });
    }),
  /** Private ranges outbound webhooks may reach (CIDRs). Default none: public addresses only. */
  outboundAllowlist: z
    .array(z.string().max(100))
    .max(100)
    .default([])
    .superRefine((v, ctx) => {
      const parsed = parseAllowlist(v);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
  /** Failed deliveries of one webhook within this window are mailed as one digest, minutes. Default 15. */
  alertWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(15),
  /** Attempts, finished deliveries and runs older than this are pruned, days. Default 30. */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  /**
   * "Run for existing records" (and cron schedules over every matching record) queue runs at
   * most this fast, runs per minute. Default 600.
   */
  backfillRatePerMinute: z.number().int().min(1).max(600_000).default(600),
  /** A backfill that would queue more runs than this is refused, with the count. Default 50,000. */
  backfillMaxRecords: z.number().int().min(1).max(10_000_000).default(50_000),
  /** Workflow chains (a run's record change starting more runs) stop at this depth. Default 5. */
  chainDepthLimit: z.number().int().min(1).max(50).default(5),
  /** Inbound: largest accepted body, bytes. Default 1 MiB. */
  inboundBodyLimit: z
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  /** Inbound: most POST fields. Default 200. */
  inboundMaxFields: z.number().int().min(1).max(10_000).default(200),
  /** Inbound: longest field name. Default 128. */
  inboundMaxFieldNameLength: z.number().int().min(8).max(1024).default(128),
  /** Inbound: deepest nesting of JSON / bracketed form fields. Default 5. */
  inboundMaxDepth: z.number().int().min(1).max(32).default(5),
  /** Inbound: requests per minute from one client address. Default 120. */
  inboundPerIpPerMinute: z.number().int().min(1).max(100_000).default(120),
  /** Inbound: how many refused requests are kept for the admin. Default 200. */
  refusedLogSize: z.number().int().min(10).max(10_000).default(200),
  /**
   * How much of a receiver's answer is read, stored and shown, and parsed for "save from the
   * response" (a longer answer is never parsed: the attempt says so), bytes. Default 16384.
   */
  responseBodyLimitBytes: z.number().int().min(1024).max(32_768).default(16_384),
});
export type HookflowSettings = z.infer<typeof HookflowSettings>;

/** Partial settings as accepted from install options and from the admin's form. */
export const HookflowSettingsPatch = HookflowSettings.partial();
export type HookflowSettingsPatch = z.infer<typeof HookflowSettingsPatch>;

/** Every timeout a leased task or request runs under: `leaseSeconds` must be longer than each. */
export const LEASE_BOUND_TIMEOUTS = ['requestTimeoutMs', 'mailTimeoutMs', 'recordCallTimeoutMs'] as const;

/** Validates and merges settings layers; throws a start-up error naming the first bad setting. */
export function resolveSettings(...layers: Array<Record<string, unknown> | undefined>): HookflowSettings {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) if (layer) Object.assign(merged, layer);
  const parsed = HookflowSettings.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HookflowError('bad_request', `setting ${issue.path.join('.')}: ${issue.message}`);
  }
  // A sanity bound beside the lease heartbeat: a lease no longer than a request or a task's
  // timeout would lapse whenever one renewal is late, and another worker would repeat the work.
  const longest = LEASE_BOUND_TIMEOUTS.reduce((a, b) => (parsed.data[b] > parsed.data[a] ? b : a));
  if (parsed.data.leaseSeconds * 1000 <= parsed.data[longest]) {
    throw new HookflowError(
      'bad_request',
      `setting leaseSeconds: must be longer than ${longest} (${parsed.data[longest]} ms)`,
    );
  }
  return parsed.data;
}

/** Options of `install(host, options)`; unknown keys are refused (a typo never silently does nothing). */
export const InstallOptions = z.strictObject({
  /**
   * Key that encrypts webhook credentials and signing secrets at rest: 32 bytes as 64 hex
   * characters or base64. Required; the reference host generates one into data/.
   */
  secretKey: z.string().min(32, 'must be 32 bytes as 64 hex characters or base64'),
  /** Setting overrides applied under what the admin saved. Default none. */
  settings: HookflowSettingsPatch.default({}),
  /** Start the background worker in this process. Default true. */
  startWorker: z.boolean().default(true),
  /**
   * Worker identity in leases and attempt rows; each claim appends its own fencing suffix
   * (storage/lease-owner.ts), hence at most 90 characters. Default `<hostname>:<pid>:<random>`.
   */
  workerId: z.string().min(1).max(90).optional(),
  /** The manifest to install with. Default the package's own manifest.json (hosts should not need this). */
  manifestFile: z.string().min(1).optional(),
  /**
   * Workflows, tasks and HTTP handler permissions are cached in memory; this process checks the
   * configuration version row at most this often (ms), so a change another process commits (a
   * token rotated, a permission or workflow switched off) is honoured here at most this long
   * after its commit. 0 = check on every request. Default 1000. The same bound applies to the
   * host's module list as runs see it (one `listModules()` read serves the runs meanwhile).
   */
  configCheckMs: z.number().int().min(0).max(60_000).default(1000),
});
export type InstallOptions = z.input<typeof InstallOptions>;
