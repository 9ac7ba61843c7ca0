/**
 * Source allowlist of the inbound HTTP handler. Default deny: an empty list allows nobody,
 * and every form an admin may write is parsed strictly, because a lenient parser turns typos
 * (`10.1`, `010.0.0.1`, `1.2.3.4/33`) into surprising grants.
 *
 * Accepted entry forms (one per line or comma-separated):
 *   single    `192.168.0.5`, `2001:db8::5`          (zone ids such as `fe80::1%eth0` refused)
 *   wildcard  `192.168.0.*`, `10.*.*.*`              (IPv4 only; `*` only in trailing octets)
 *   range     `192.168.0.100-192.168.0.160`          (same family, start <= end; IPv6 too)
 *   cidr      `192.168.0.0/24`, `2001:db8::/32`      (host bits are cleared: `10.0.0.5/8` → `10.0.0.0/8`)
 *   any       `0.0.0.0/0` (kind any4), `::/0` (kind any6)
 * Refused on purpose: the word `any` and `*.*.*.*` (allowing everyone must be written as the
 * explicit CIDRs above), and IPv4-mapped IPv6 entries (`::ffff:1.2.3.4`): clients are matched
 * after mapping to IPv4, so such an entry could never match; the admin must write the IPv4 form.
 * IPv6 entries never match IPv4 clients and vice versa.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type AddressFamily = 'ipv4' | 'ipv6';

/**
 * A parsed, normalised, JSON-serialisable allowlist entry. `text` is the canonical display
 * form (IPv6 in RFC 5952 short form) and the identity used for de-duplication. Prefer storing
 * the `text` lines and re-parsing them; `matchSource` skips (denies on) malformed entries.
 */
export type SourceEntry =
  | { kind: 'single'; family: AddressFamily; text: string; address: string }
  | { kind: 'range'; family: AddressFamily; text: string; start: string; end: string }
  | { kind: 'cidr'; family: AddressFamily; text: string; network: string; prefix: number }
  /** Written as `a.b.*.*`, shown as written, matched as the CIDR `a.b.0.0/16`. */
  | { kind: 'wildcard'; family: 'ipv4'; text: string; network: string; prefix: number }
  | { kind: 'any4'; family: 'ipv4'; text: '0.0.0.0/0' }
  | { kind: 'any6'; family: 'ipv6'; text: '::/0' };

export type ParseEntryResult = { ok: SourceEntry } | { error: string };
export type MatchResult = { allowed: true; entry: SourceEntry } | { allowed: false; reason: string };
export interface SourceListError {
  line: number;
  text: string;
  error: string;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;
// Hex groups of 1-4 digits, optionally ending in a dotted IPv4 tail; '%' (zone ids) never passes.
const IPV6_CHARS = /^[0-9a-f:]*(:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})?$/i;

/** Parses one address strictly (IPv4 four-part decimal, IPv6 without zone id); null when not. */
export function parseStrictAddress(text: string): Address | null {
  if (typeof text !== 'string') return null;
  if (!text.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
  if (!IPV6_CHARS.test(text) || !ipaddr.IPv6.isValid(text)) return null;
  const groups = text.split(':');
  const tail = groups[groups.length - 1];
  if (groups.some((g) => !g.includes('.') && g.length > 4)) return null;
  if (tail.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(tail)) return null;
  // ipaddr reads the deprecated IPv4-compatible `::a.b.c.d` as mapped `::ffff:a.b.c.d`; refuse it.
  if (/^::\d+\.[\d.]+$/.test(text)) return null;
  return ipaddr.IPv6.parse(text);
}

/** A client address in canonical form, IPv4-mapped IPv6 turned into IPv4; null when unparseable. */
export function normaliseClientAddress(text: string | undefined): string | null {
  const parsed = parseClientAddress(text);
  return parsed ? parsed.toString() : null;
}

function parseClientAddress(text: string | undefined): Address | null {
  if (typeof text !== 'string') return null;
  const parsed = parseStrictAddress(text.trim());
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) return parsed.toIPv4Address();
  return parsed;
}

function familyOf(addr: Address): AddressFamily {
  return addr.kind();
}

function isMappedV6(addr: Address): boolean {
  return addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress();
}

const MAPPED_HINT = 'IPv4-mapped IPv6 address: write the IPv4 form instead';

function parseSingle(text: string): ParseEntryResult {
  const addr = parseStrictAddress(text);
  if (!addr) return { error: 'not a valid IPv4 or IPv6 address' };
  if (isMappedV6(addr)) return { error: MAPPED_HINT };
  const address = addr.toString();
  return { ok: { kind: 'single', family: familyOf(addr), text: address, address } };
}

function parseWildcard(text: string): ParseEntryResult {
  const parts = text.split('.');
  if (parts.length !== 4) return { error: 'a wildcard needs four octets, e.g. 192.168.0.*' };
  const fixed = parts.findIndex((p) => p === '*');
  if (fixed === -1) return { error: '* must stand for a whole octet' };
  if (parts.slice(fixed).some((p) => p !== '*')) return { error: 'only trailing octets may be *' };
  if (fixed === 0) return { error: 'to allow every IPv4 address write 0.0.0.0/0' };
  const head = parts.slice(0, fixed);
  if (head.some((p) => !OCTET.test(p) || Number(p) > 255))
    return { error: 'octets must be 0-255 without leading zeros' };
  const network = [...head, ...parts.slice(fixed).map(() => '0')].join('.');
  return { ok: { kind: 'wildcard', family: 'ipv4', text: parts.join('.'), network, prefix: fixed * 8 } };
}

function parseRange(text: string): ParseEntryResult {
  const ends = text.split('-').map((s) => s.trim());
  if (ends.length !== 2) return { error: 'a range is written start-end' };
  const start = parseStrictAddress(ends[0]);
  const end = parseStrictAddress(ends[1]);
  if (!start || !end) return { error: 'range ends must be valid IPv4 or IPv6 addresses' };
  if (start.kind() !== end.kind()) return { error: 'range ends must be the same address family' };
  if (isMappedV6(start) || isMappedV6(end)) return { error: MAPPED_HINT };
  if (compareBytes(start.toByteArray(), end.toByteArray()) > 0) return { error: 'range start is after its end' };
  const [s, e] = [start.toString(), end.toString()];
  return { ok: { kind: 'range', family: familyOf(start), text: `${s}-${e}`, start: s, end: e } };
}

function parseCidr(text: string): ParseEntryResult {
  const [addrText, prefixText, extra] = text.split('/');
  if (extra !== undefined || !PREFIX.test(prefixText)) return { error: 'a CIDR is written address/prefix' };
  const addr = parseStrictAddress(addrText);
  if (!addr) return { error: 'not a valid IPv4 or IPv6 network address' };
  const prefix = Number(prefixText);
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  if (prefix > max) return { error: `prefix must be 0-${max}` };
  if (prefix === 0) {
    return addr.kind() === 'ipv4'
      ? { ok: { kind: 'any4', family: 'ipv4', text: '0.0.0.0/0' } }
      : { ok: { kind: 'any6', family: 'ipv6', text: '::/0' } };
  }
  // Host bits are cleared so equal networks get equal text (and de-duplicate).
  const net =
    addr.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${addrText}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${addrText}/${prefix}`);
  if (isMappedV6(net) && prefix >= 96) return { error: MAPPED_HINT };
  const network = net.toString();
  return { ok: { kind: 'cidr', family: familyOf(net), text: `${network}/${prefix}`, network, prefix } };
}

/** Parses one allowlist entry strictly; see the file header for the accepted forms. */
export function parseSourceEntry(text: string): ParseEntryResult {
  if (typeof text !== 'string') return { error: 'not text' };
  const trimmed = text.trim();
  if (trimmed === '') return { error: 'empty entry' };
  if (/^any$/i.test(trimmed) || trimmed === '*') {
    return { error: 'to allow every address write 0.0.0.0/0 and ::/0' };
  }
  if (trimmed.includes('/')) return parseCidr(trimmed);
  if (trimmed.includes('-')) return parseRange(trimmed);
  if (trimmed.includes('*')) return parseWildcard(trimmed);
  return parseSingle(trimmed);
}

/**
 * Parses an allowlist: a string is split on line breaks, and every line (or array item) on
 * commas. Blank items are ignored; duplicates (same canonical `text`) keep the first.
 * `line` in errors is 1-based (the array index + 1 for array input).
 */
export function parseSourceList(lines: string | readonly string[]): {
  entries: SourceEntry[];
  errors: SourceListError[];
} {
  const rows = typeof lines === 'string' ? lines.split(/\r\n|\r|\n/) : Array.isArray(lines) ? lines : [];
  const entries: SourceEntry[] = [];
  const errors: SourceListError[] = [];
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    if (typeof row !== 'string') {
      errors.push({ line: index + 1, text: '', error: 'not text' });
      return;
    }
    for (const item of row.split(',').map((s) => s.trim())) {
      if (item === '') continue;
      const parsed = parseSourceEntry(item);
      if ('error' in parsed) errors.push({ line: index + 1, text: item, error: parsed.error });
      else if (!seen.has(parsed.ok.text)) {
        seen.add(parsed.ok.text);
        entries.push(parsed.ok);
      }
    }
  });
  return { entries, errors };
}

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Parses a stored address of `family`; anything else throws so the entry is skipped. */
function parseEntryAddress(text: string, family: AddressFamily): Address {
  const addr = parseStrictAddress(text);
  if (!addr || addr.kind() !== family) throw new Error('malformed entry');
  return addr;
}

function containsClient(entry: SourceEntry, client: Address): boolean {
  if (entry.family !== client.kind()) return false;
  switch (entry.kind) {
    case 'any4':
    case 'any6':
      return true;
    case 'single':
      return compareBytes(parseEntryAddress(entry.address, entry.family).toByteArray(), client.toByteArray()) === 0;
    case 'cidr':
    case 'wildcard': {
      const max = entry.family === 'ipv4' ? 32 : 128;
      if (!Number.isInteger(entry.prefix) || entry.prefix < 0 || entry.prefix > max) return false;
      return client.match(parseEntryAddress(entry.network, entry.family), entry.prefix);
    }
    case 'range': {
      const bytes = client.toByteArray();
      return (
        compareBytes(parseEntryAddress(entry.start, entry.family).toByteArray(), bytes) <= 0 &&
        compareBytes(bytes, parseEntryAddress(entry.end, entry.family).toByteArray()) <= 0
      );
    }
    default:
      return false;
  }
}

/**
 * PURE and never throws. Allowed only when the client address parses strictly and lies in
 * an entry; IPv4-mapped IPv6 clients (`::ffff:1.2.3.4`) are matched as IPv4. Malformed
 * entries (e.g. hand-edited JSON) are skipped, i.e. deny.
 */
export function matchSource(clientIp: string, entries: readonly SourceEntry[]): MatchResult {
  if (!Array.isArray(entries) || entries.length === 0) return { allowed: false, reason: 'no allowed sources' };
  const client = parseClientAddress(clientIp);
  if (!client) return { allowed: false, reason: 'unparseable client address' };
  for (const entry of entries) {
    try {
      if (entry && containsClient(entry, client)) return { allowed: true, entry };
    } catch {
      // A malformed entry grants nothing; keep looking at the others.
    }
  }
  return { allowed: false, reason: `${client.toString()} is not an allowed source` };
}
