/**
 * Formatting for failure-alert mails in the recipient's language and zone (alert-locale.ts), pure:
 * times and numbers through Intl, catalogue messages with their `{name}` values filled in.
 * Times always show the zone's name (`UTC`, `MEZ`, `GMT+1` …), so a reader never has to guess.
 */
import type { AlertMessages } from './messages/en.js';
import type { AlertLocale } from './alert-locale.js';

/** One piece of a filled-in message; `strong` marks a value the HTML part emphasises. */
export interface MessagePart {
  text: string;
  strong: boolean;
}

type Params = Record<string, string | number>;

const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * `template` cut at its `{name}` placeholders, each filled from `params` (unknown ones stay as
 * written); the values of the `strong` keys are marked.
 */
export function formatMessageParts(template: string, params: Params, strong: readonly string[] = []): MessagePart[] {
  const parts: MessagePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const value = params[m[1]];
    if (value === undefined) continue;
    if (m.index > last) parts.push({ text: template.slice(last, m.index), strong: false });
    parts.push({ text: String(value), strong: strong.includes(m[1]) });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last), strong: false });
  return parts;
}

/** `template` with its `{name}` placeholders filled from `params`. */
export function formatMessage(template: string, params: Params): string {
  return formatMessageParts(template, params)
    .map((p) => p.text)
    .join('');
}

/** Like formatMessage, with every filled-in value between the catalogue's quote marks (for plain text). */
export function formatQuotedMessage(template: string, params: Params, t: AlertMessages, quoted: string[]): string {
  const marked = Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, quoted.includes(k) ? `${t.quoteOpen}${v}${t.quoteClose}` : v]),
  );
  return formatMessage(template, marked);
}

/** `1,234` / `1.234`: an integer in the recipient's locale. */
export function formatAlertNumber(n: number, loc: AlertLocale): string {
  return new Intl.NumberFormat(loc.locale, { maximumFractionDigits: 0 }).format(n);
}

function isoLikeTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

/**
 * A failure time in the recipient's zone: `2026-12-01 20:44:56 UTC` (catalogue timeStyle `iso`),
 * `01.12.2026, 21:44:56 MEZ` (`locale`: the tag's medium date and long time). Null → "unknown".
 */
export function formatAlertTime(ms: number | null, loc: AlertLocale): string {
  if (ms === null || !Number.isFinite(ms)) return loc.messages.unknownTime;
  const date = new Date(ms);
  if (loc.messages.timeStyle === 'iso') return isoLikeTime(date, loc.timeZone);
  return new Intl.DateTimeFormat(loc.locale, { timeZone: loc.timeZone, dateStyle: 'medium', timeStyle: 'long' }).format(
    date,
  );
}

/**
 * The plain-text part's row labels, `Label:` padded to one width (at least 12, the English one),
 * so the values line up in every language.
 */
export function textLabels<K extends keyof AlertMessages>(t: AlertMessages, keys: readonly K[]): Record<K, string> {
  const width = Math.max(12, ...keys.map((k) => t[k].length + 1));
  return Object.fromEntries(keys.map((k) => [k, `${t[k]}:`.padEnd(width)])) as Record<K, string>;
}
