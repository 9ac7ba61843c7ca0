/**
 * The settings form: which HookflowSettings it shows (grouped), how each is written in a form
 * (durations like `1h, 2h`, one address per line …), and form post → the patch of settings that
 * changed. The zod schema in config.ts stays the validation; this only translates. Pure.
 */
import { HookflowSettings } from '../../config.js';
import type { FieldErrors } from '../../errors.js';
import { parseAllowlist } from '../../outbound/url-guard.js';
import { parseTrustedProxies } from '../../inbound/client-address.js';
import { lines, text, type FormBody } from '../../forms/form-values.js';

type Kind = 'int' | 'decimal' | 'text' | 'lines' | 'durations';
export interface SettingField {
  key: keyof HookflowSettings;
  label: string;
  kind: Kind;
  unit?: string;
  hint?: string;
}

export const SETTING_GROUPS: Array<{ title: string; intro: string; fields: SettingField[] }> = [
  {
    title: 'Webhook delivery',
    intro: 'How outbound webhooks are sent and retried.',
    fields: [
      {
        key: 'retrySchedule',
        label: 'Retry schedule',
        kind: 'durations',
        hint: 'Delays after the first attempt, e.g. "1h, 2h, 4h" (s, m, h, d). Empty: no retries.',
      },
      {
        key: 'retryJitter',
        label: 'Retry jitter',
        kind: 'decimal',
        hint: 'Random extra delay as a share of each delay, 0–0.5.',
      },
      { key: 'retryAfterCapSeconds', label: 'Longest Retry-After honoured', kind: 'int', unit: 'seconds' },
      {
        key: 'requestTimeoutMs',
        label: 'Request timeout',
        kind: 'int',
        unit: 'ms',
        hint: 'Connect and response, per attempt.',
      },
      { key: 'maxConcurrency', label: 'Deliveries in flight per worker', kind: 'int' },
      { key: 'perHostConcurrency', label: 'Deliveries in flight per receiver host', kind: 'int' },
      {
        key: 'destinationRateLimit',
        label: 'Requests per receiver host',
        kind: 'text',
        hint: 'Across all workers, e.g. "10/s" or "600/m". Empty: no limit. Deliveries over it wait queued, using no retry; a 429 with Retry-After pauses the host.',
      },
      {
        key: 'destinationRateLimits',
        label: 'Per-host request limits',
        kind: 'lines',
        hint: 'One "host[:port] rate" per line, e.g. "api.example.com 5/s"; over the default above.',
      },
      {
        key: 'destinationPauseAfterFailures',
        label: 'Hold a receiver after failures in a row',
        kind: 'int',
        hint: 'Failed attempts (no connection, timeout, 5xx, 429) to one host in a row; then its deliveries wait while Hookflow probes it. 0: never.',
      },
      {
        key: 'destinationProbeSeconds',
        label: 'First probe of a held receiver after',
        kind: 'int',
        unit: 'seconds',
        hint: 'Doubles after each failed probe.',
      },
      { key: 'destinationProbeMaxSeconds', label: 'Longest wait between probes', kind: 'int', unit: 'seconds' },
      {
        key: 'outboundAllowlist',
        label: 'Private ranges webhooks may reach',
        kind: 'lines',
        hint: 'One address or CIDR per line, e.g. 10.0.0.0/8. Default: public addresses only.',
      },
      {
        key: 'responseBodyLimitBytes',
        label: 'Receiver answer kept',
        kind: 'int',
        unit: 'bytes',
        hint: 'How much of an answer is stored, shown and read by "save from the response" (a longer answer is never parsed).',
      },
    ],
  },
  {
    title: 'HTTP handler',
    intro: 'The inbound short URL that web forms and other systems call.',
    fields: [
      {
        key: 'shortUrlPath',
        label: 'Short URL path',
        kind: 'text',
        hint: 'Below the inbound mount; "/" means the mount itself.',
      },
      {
        key: 'trustedProxies',
        label: 'Trusted proxies',
        kind: 'lines',
        hint: 'Addresses or CIDRs whose X-Forwarded-For is believed, one per line.',
      },
      { key: 'inboundPerIpPerMinute', label: 'Requests per minute per client address', kind: 'int' },
      { key: 'inboundBodyLimit', label: 'Largest request body', kind: 'int', unit: 'bytes' },
      { key: 'inboundMaxFields', label: 'Most POST fields', kind: 'int' },
      { key: 'inboundMaxFieldNameLength', label: 'Longest field name', kind: 'int', unit: 'characters' },
      { key: 'inboundMaxDepth', label: 'Deepest nesting of fields', kind: 'int' },
      { key: 'refusedLogSize', label: 'Refused requests kept', kind: 'int' },
    ],
  },
  {
    title: 'Alerts and retention',
    intro: 'Failure mails and how long logs are kept.',
    fields: [
      {
        key: 'alertWindowMinutes',
        label: 'Alert digest window',
        kind: 'int',
        unit: 'minutes',
        hint: 'Failures of one webhook within this window are mailed as one digest.',
      },
      { key: 'retentionDays', label: 'Keep logs for', kind: 'int', unit: 'days' },
    ],
  },
  {
    title: 'Worker',
    intro: 'Advanced: how workers claim work.',
    fields: [
      {
        key: 'leaseSeconds',
        label: 'Lease',
        kind: 'int',
        unit: 'seconds',
        hint: 'Renewed while a task or request is in flight; must be longer than every timeout.',
      },
      {
        key: 'mailTimeoutMs',
        label: 'Mail timeout',
        kind: 'int',
        unit: 'ms',
        hint: 'Send an email: longest wait for the mail server.',
      },
      {
        key: 'recordCallTimeoutMs',
        label: 'Record call timeout',
        kind: 'int',
        unit: 'ms',
        hint: 'Create and update a record (and the other tasks): longest wait.',
      },
      { key: 'pollIntervalMs', label: 'Poll interval', kind: 'int', unit: 'ms' },
      { key: 'chainDepthLimit', label: 'Workflow chain depth limit', kind: 'int' },
      {
        key: 'backfillRatePerMinute',
        label: 'Run for existing records: rate',
        kind: 'int',
        unit: 'runs/min',
        hint: 'How fast a backfill (or a cron schedule over every matching record) queues runs.',
      },
      {
        key: 'backfillMaxRecords',
        label: 'Run for existing records: most records',
        kind: 'int',
        hint: 'A backfill that would run more records than this is refused.',
      },
    ],
  },
];

const UNITS: Array<[string, number]> = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/** `[3600, 5400]` → `1h, 90m`. */
export function formatDurations(seconds: readonly number[]): string {
  return seconds
    .map((s) => {
      const [unit, size] = UNITS.find(([, n]) => s % n === 0) ?? ['s', 1];
      return `${s / size}${unit}`;
    })
    .join(', ');
}

/** `1h, 90m 30s` → seconds; a bare number is seconds. Errors name the bad item. */
export function parseDurations(input: string): { ok: number[] } | { error: string } {
  const items = input.split(/[,\s]+/).filter((x) => x !== '');
  const out: number[] = [];
  for (const item of items) {
    const m = /^(\d{1,9})([smhd]?)$/i.exec(item);
    if (!m) return { error: `"${item}" is not a duration; write e.g. 30s, 15m, 1h or 1d` };
    const size = UNITS.find(([u]) => u === (m[2] || 's').toLowerCase())![1];
    out.push(Number(m[1]) * size);
  }
  return { ok: out };
}

/** How a setting value is written into its input. */
export function formatSetting(field: SettingField, value: unknown): string {
  if (field.kind === 'durations') return formatDurations(value as number[]);
  if (field.kind === 'lines') return (value as string[]).join('\n');
  return String(value ?? '');
}

function parseField(field: SettingField, raw: string): { value: unknown } | { error: string } {
  const t = raw.trim();
  switch (field.kind) {
    case 'durations': {
      const d = parseDurations(t);
      return 'ok' in d ? { value: d.ok } : d;
    }
    case 'lines': {
      const list = lines(raw);
      if (field.key === 'outboundAllowlist') {
        const r = parseAllowlist(list);
        if ('error' in r) return { error: r.error };
      }
      if (field.key === 'trustedProxies') {
        const r = parseTrustedProxies(list);
        if ('errors' in r) return { error: r.errors.map((e) => `"${e.text}" ${e.error}`).join('; ') };
      }
      return { value: list };
    }
    case 'int':
      return /^-?\d+$/.test(t) ? { value: Number(t) } : { error: 'must be a whole number' };
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(t) ? { value: Number(t) } : { error: 'must be a number such as 0.1' };
    default:
      return { value: t };
  }
}

/** The settings that differ from `current` (the rest stays unsaved, so defaults can still move). */
export function settingsPatchFromForm(
  body: FormBody,
  current: HookflowSettings,
): { patch: Record<string, unknown>; errors: FieldErrors; values: Record<string, string> } {
  const patch: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  const values: Record<string, string> = {};
  for (const field of SETTING_GROUPS.flatMap((g) => g.fields)) {
    const raw = text(body, field.key);
    values[field.key] = raw;
    const parsed = parseField(field, raw);
    if ('error' in parsed) errors[field.key] = parsed.error;
    else if (JSON.stringify(parsed.value) !== JSON.stringify(current[field.key])) patch[field.key] = parsed.value;
  }
  return { patch, errors, values };
}

/** Errors keyed by setting (zod paths like `retrySchedule.0` belong to `retrySchedule`). */
export function errorsBySetting(fields: FieldErrors | undefined): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, m] of Object.entries(fields ?? {})) out[k.split('.')[0]] ??= m;
  return out;
}

/** The view model: groups of inputs with values, defaults and errors. */
export function settingsView(values: Record<string, string>, errors: FieldErrors) {
  const defaults = HookflowSettings.parse({});
  return SETTING_GROUPS.map((g) => ({
    ...g,
    fields: g.fields.map((f) => ({
      ...f,
      value: values[f.key] ?? '',
      error: errors[f.key],
      multiline: f.kind === 'lines',
      defaultText: formatSetting(f, defaults[f.key]).replace(/\n/g, ', ') || 'none',
    })),
  }));
}

/** Current settings as form values. */
export function valuesFromSettings(s: HookflowSettings): Record<string, string> {
  return Object.fromEntries(SETTING_GROUPS.flatMap((g) => g.fields).map((f) => [f.key, formatSetting(f, s[f.key])]));
}
