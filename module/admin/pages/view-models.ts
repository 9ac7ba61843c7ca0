/**
 * Small pure view-model builders shared by the pages: pagination, time and duration text,
 * masking of secret-looking values, and the period filter of the logs.
 */

export interface Pagination {
  total: number;
  from: number;
  to: number;
  prev: string | null;
  next: string | null;
  pages: Array<{ n: number; href: string; current: boolean } | { gap: true }>;
}

/**
 * Page links for `total` items shown `perPage` at a time; `href(n)` builds a link to page n
 * (1-based). Shows the first, last and two pages around the current one, with gaps between.
 */
export function paginate(total: number, page: number, perPage: number, href: (n: number) => string): Pagination {
  const last = Math.max(1, Math.ceil(total / perPage));
  const current = Math.min(Math.max(1, page), last);
  const shown = [...new Set([1, current - 2, current - 1, current, current + 1, current + 2, last])]
    .filter((n) => n >= 1 && n <= last)
    .sort((a, b) => a - b);
  const pages: Pagination['pages'] = [];
  shown.forEach((n, i) => {
    if (i > 0 && n - shown[i - 1] > 1) pages.push({ gap: true });
    pages.push({ n, href: href(n), current: n === current });
  });
  return {
    total,
    from: total === 0 ? 0 : (current - 1) * perPage + 1,
    to: Math.min(total, current * perPage),
    prev: current > 1 ? href(current - 1) : null,
    next: current < last ? href(current + 1) : null,
    pages: last > 1 ? pages : [],
  };
}

/** `2026-11-23 14:05:09 UTC` (the browser script rewrites it into local time). */
export function formatTime(ms: unknown): string {
  const n = Number(ms);
  if (ms == null || !Number.isFinite(n) || n <= 0) return '';
  return `${new Date(n).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `85 ms`, `1.2 s`, `3 min 5 s`. */
export function formatDuration(ms: unknown): string {
  const n = Number(ms);
  if (ms == null || !Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} s`;
  return `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}

// Names that usually hold credentials or personal secrets; their values are never shown.
const SENSITIVE_NAME =
  /pass|secret|token|api[-_]?key|auth|session|cookie|card|cvv|cvc|iban|ssn|pin\b|signature|private/i;

export const MASK = '••••••';

/** Whether a field name looks like it carries a secret. */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** A copy of `value` with the values of sensitive-looking keys masked, at any depth. */
export function maskSensitive(value: unknown, depth = 0): unknown {
  if (depth > 20) return MASK;
  if (Array.isArray(value)) return value.map((v) => maskSensitive(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSensitiveName(k) ? MASK : maskSensitive(v, depth + 1)]),
    );
  }
  return value;
}

/** The period filter of the logs: key → milliseconds back from now. */
export const PERIODS: Record<string, { label: string; ms: number | null }> = {
  '1h': { label: 'Last hour', ms: 3600_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  all: { label: 'Any time', ms: null },
};

/** `since` (epoch ms) for a period key at `nowMs`; undefined for "any time" or an unknown key. */
export function periodSince(period: string, nowMs: number): number | undefined {
  const p = Object.hasOwn(PERIODS, period) ? PERIODS[period] : undefined;
  return p?.ms ? nowMs - p.ms : undefined;
}

/** `<select>` options for the period filter. */
export function periodOptions(selected: string) {
  return Object.entries(PERIODS).map(([value, p]) => ({ value, label: p.label, selected: value === selected }));
}

/** A query string from the non-empty values (for filter-preserving links). */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Pretty JSON for display; strings that hold JSON are re-indented, other strings kept. */
export function prettyBody(body: string | null, contentType: string | null): string {
  if (body == null) return '';
  if (contentType?.includes('json') || /^\s*[[{]/.test(body)) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      /* not JSON after all */
    }
  }
  return body;
}
