/**
 * Settings the fault tests save BEFORE starting workers (settings live in the database; a
 * worker reads them at start and every 5 s). Short retries and leases keep the run to minutes.
 */
import type { HookflowSettingsPatch } from '../../../module/config.js';

/** Retries 1, 2 and 3 s after the first attempt: a delivery is failed after 4 failed answers. */
export const RETRY_SCHEDULE = [1, 2, 3];
export const MAX_ATTEMPTS = RETRY_SCHEDULE.length + 1;
/**
 * The lease must outlast one attempt (request timeout + a few queries on a busy machine), or a
 * live worker's delivery is leased again and sent twice without any fault; it also sets how
 * long a killed worker's deliveries wait before another worker takes them.
 */
export const LEASE_SECONDS = 8;

export const FAULT_SETTINGS: HookflowSettingsPatch = {
  outboundAllowlist: ['127.0.0.1/32'],
  retrySchedule: RETRY_SCHEDULE,
  retryJitter: 0,
  leaseSeconds: LEASE_SECONDS,
  requestTimeoutMs: 3000,
  mailTimeoutMs: 3000,
  recordCallTimeoutMs: 3000,
  pollIntervalMs: 100,
  maxConcurrency: 16,
  // The cap counts across ALL workers and every delivery goes to the one receiver host.
  perHostConcurrency: 64,
  inboundPerIpPerMinute: 100_000,
};
