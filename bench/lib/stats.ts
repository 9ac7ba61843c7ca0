/** Percentiles, a polling wait, and the results table. */

/** The p-th percentile (0-100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  everyMs = 10,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Row {
  engine: string;
  metric: string;
  actual: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  /** undefined = informational (no target). */
  pass?: boolean;
}

/** Prints rows as a Markdown table (pastes straight into the README). */
export function printTable(rows: Row[], out: (s: string) => void = console.log): void {
  const head = ['engine', 'metric', 'actual', 'baseline', 'ratio', 'target', 'pass'];
  const cells = rows.map((r) => [
    r.engine,
    r.metric,
    r.actual,
    r.baseline ?? '',
    r.ratio ?? '',
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  out(line(head));
  out(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) out(line(c));
}

export const ms = (v: number) => `${v.toFixed(v < 1 ? 3 : 2)} ms`;
export const perSecond = (v: number) => `${Math.round(v)}/s`;

/** Median and range of one metric over the rounds of a benchmark. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1], n: s.length };
}

/** `median (min–max)`, each through `fmt`. */
export const showSpread = (s: Spread, fmt: (v: number) => string) =>
  s.n <= 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

/** Thousands separators, no decimals: 12,346. */
export const int = (v: number) => Math.round(v).toLocaleString('en-US');
