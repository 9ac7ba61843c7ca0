/**
 * Which address an inbound request comes from. X-Forwarded-For is written by whoever sends
 * the request, so it is believed only as far as a chain of trusted proxies vouches for it:
 * by default (no trusted proxies, or 0 hops) the answer is the socket peer and the header is
 * never read. PURE: no I/O, never throws.
 */
import { matchSource, normaliseClientAddress, parseSourceEntry, type SourceEntry } from './allowlist.js';

/**
 * How far X-Forwarded-For is believed. Default (settings `trustedProxies: []`): `{ entries: [] }`.
 * - `entries`: addresses/CIDRs of the proxies in front of Hookflow; the chain is walked from the
 *   right while each hop is one of them.
 * - `hops`: exactly this many proxies sit in front of Hookflow (0-`MAX_TRUSTED_HOPS`).
 */
export type TrustedProxies = { entries: SourceEntry[] } | { hops: number };

/** Largest accepted hop count; more proxies than this in front of an app is a misconfiguration. */
export const MAX_TRUSTED_HOPS = 16;

export type ClientAddressResult = { ok: string } | { error: string };

export interface ResolveClientAddressInput {
  /** `req.socket.remoteAddress`; undefined when the socket is already gone. */
  socketAddress: string | undefined;
  /** Raw X-Forwarded-For value(s); several header lines are read as one list in order. */
  forwardedFor: string | string[] | undefined;
  trusted: TrustedProxies;
}

/** Shortens attacker-controlled text before it goes into an error message (and the logs). */
function clip(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Header entries left to right; a blank header is no entries, a blank item stays (garbage). */
function splitForwardedFor(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  if (joined.trim() === '') return [];
  return joined.split(',').map((s) => s.trim());
}

/**
 * Walks from the socket peer leftwards while the current hop is a trusted proxy. Invariant:
 * `current` is always an address some trusted party vouched for (the socket, or a value a
 * trusted proxy appended), so spoofed entries left of the first untrusted hop are never read.
 * When every hop is trusted the left-most one is the client (a proxy calling us itself).
 */
function walkTrustedChain(socket: string, hops: string[], entries: SourceEntry[]): ClientAddressResult {
  let current = socket;
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!matchSource(current, entries).allowed) return { ok: current };
    const next = normaliseClientAddress(hops[i]);
    if (next === null) return { error: `unparseable X-Forwarded-For entry ${clip(hops[i])}` };
    current = next;
  }
  return { ok: current };
}

/** The `count`-th entry from the right; refuses when the header is shorter than the chain. */
function pickByHops(socket: string, hops: string[], count: number): ClientAddressResult {
  if (count === 0) return { ok: socket };
  if (hops.length < count) {
    return { error: `X-Forwarded-For has ${hops.length} entries but ${count} trusted hops are configured` };
  }
  const chosen = hops[hops.length - count];
  const address = normaliseClientAddress(chosen);
  return address === null ? { error: `unparseable X-Forwarded-For entry ${clip(chosen)}` } : { ok: address };
}

function isValidHopCount(hops: unknown): hops is number {
  return typeof hops === 'number' && Number.isInteger(hops) && hops >= 0 && hops <= MAX_TRUSTED_HOPS;
}

/**
 * The client address in canonical form (IPv4-mapped IPv6 reported as IPv4), or an error
 * when it cannot be known for sure: missing/unparseable socket address, a bad hop count, a
 * header shorter than the hop count, or a garbage entry where the client would be read.
 */
export function resolveClientAddress(input: ResolveClientAddressInput): ClientAddressResult {
  const socket = normaliseClientAddress(input.socketAddress);
  if (socket === null) return { error: 'missing or unparseable socket address' };
  const trusted = input.trusted as Partial<{ entries: unknown; hops: unknown }> | undefined;
  if (trusted && 'hops' in trusted) {
    if (!isValidHopCount(trusted.hops)) return { error: `trusted hop count must be an integer 0-${MAX_TRUSTED_HOPS}` };
    return pickByHops(socket, splitForwardedFor(input.forwardedFor), trusted.hops);
  }
  const entries = trusted && Array.isArray(trusted.entries) ? (trusted.entries as SourceEntry[]) : [];
  if (entries.length === 0) return { ok: socket };
  return walkTrustedChain(socket, splitForwardedFor(input.forwardedFor), entries);
}

export interface TrustedProxyError {
  index: number;
  text: string;
  error: string;
}

const HOP_COUNT = /^(0|[1-9]\d*)$/;

/**
 * Parses the `trustedProxies` setting. Either addresses/CIDRs/ranges/wildcards (see
 * allowlist.ts) or a single hop count such as `"1"`; mixing both is refused. Blank values are
 * ignored; no values means trust nobody (`{ entries: [] }`). `0.0.0.0/0` and `::/0` are
 * refused: trusting every peer would let any client choose its own address.
 * `index` in errors is the position in `values`.
 */
export function parseTrustedProxies(
  values: readonly string[],
): { ok: TrustedProxies } | { errors: TrustedProxyError[] } {
  const items = (Array.isArray(values) ? values : [])
    .map((v, index) => ({ index, text: typeof v === 'string' ? v.trim() : '' }))
    .filter((item) => item.text !== '');
  const counts = items.filter((item) => HOP_COUNT.test(item.text));
  if (counts.length > 0) return parseHopCount(items, counts);
  const entries: SourceEntry[] = [];
  const errors: TrustedProxyError[] = [];
  for (const item of items) {
    const parsed = parseSourceEntry(item.text);
    if ('error' in parsed) errors.push({ ...item, error: parsed.error });
    else if (parsed.ok.kind === 'any4' || parsed.ok.kind === 'any6') {
      errors.push({ ...item, error: 'trusting every address lets any client spoof X-Forwarded-For' });
    } else if (!entries.some((e) => e.text === parsed.ok.text)) entries.push(parsed.ok);
  }
  return errors.length > 0 ? { errors } : { ok: { entries } };
}

type Item = { index: number; text: string };

function parseHopCount(items: Item[], counts: Item[]): { ok: TrustedProxies } | { errors: TrustedProxyError[] } {
  if (items.length > 1) {
    return {
      errors: counts.map((item) => ({ ...item, error: 'a hop count cannot be combined with other trusted proxies' })),
    };
  }
  const hops = Number(counts[0].text);
  if (!isValidHopCount(hops)) return { errors: [{ ...counts[0], error: `hop count must be 0-${MAX_TRUSTED_HOPS}` }] };
  return { ok: { hops } };
}
