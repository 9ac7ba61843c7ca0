/**
 * Outbound address guard (SSRF protection). A webhook may only reach public unicast addresses,
 * or addresses inside CIDRs the admin allowlisted. The check runs where the socket is opened:
 * the guarded lookup resolves the host once, checks EVERY address, and hands only checked
 * addresses to the socket, so a DNS answer cannot change between check and connect (rebinding).
 */
import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface CidrEntry {
  /** The entry as the admin wrote it. */
  text: string;
  range: Address;
  prefix: number;
}
export type CidrList = readonly CidrEntry[];

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** `code` of the Error the guarded lookup / connector fails with. */
export const BLOCKED_CODE = 'HOOKFLOW_BLOCKED';

export class BlockedAddressError extends Error {
  readonly code = BLOCKED_CODE;
  constructor(message: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/** True for the guard's refusal, also when a client wrapped it as `cause`. */
export function isBlockedError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === BLOCKED_CODE) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** IPv4-mapped IPv6 CIDRs (::ffff:a.b.c.d/104) are stored as IPv4 so they match processed addresses. */
function normaliseCidr(range: Address, prefix: number): [Address, number] {
  if (range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return [(range as ipaddr.IPv6).toIPv4Address(), prefix - 96];
  }
  return [range, prefix];
}

function parseEntry(entry: string): CidrEntry | string {
  const text = typeof entry === 'string' ? entry.trim() : '';
  const [addressText, prefixText] = text.split('/', 2);
  // net.isIP first: ipaddr.js also accepts forms like "10.1" that people rarely mean.
  if (isIP(addressText) === 0 || addressText.includes('%')) return 'is not an IP address or CIDR';
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return 'has a bad prefix length';
  let parsed: [Address, number];
  try {
    parsed =
      prefixText === undefined
        ? [ipaddr.parse(addressText), isIP(addressText) === 4 ? 32 : 128]
        : ipaddr.parseCIDR(text);
  } catch {
    return 'is not an IP address or CIDR';
  }
  const [range, prefix] = normaliseCidr(parsed[0], parsed[1]);
  // Allowlisting everything would silently switch the guard off; refuse instead.
  if (prefix === 0) return 'would allow every address';
  const cidr = `${range.toString()}/${prefix}`;
  const network =
    range.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  if (network.toString() !== range.toString())
    return `has host bits set (did you mean ${network.toString()}/${prefix}?)`;
  return { text, range, prefix };
}

/** Parses allowlist entries: CIDRs or single addresses, IPv4 or IPv6 (standard notation). */
export function parseAllowlist(entries: readonly string[]): { ok: CidrList } | { error: string } {
  const list: CidrEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const result = parseEntry(entries[i]);
    if (typeof result === 'string') return { error: `allowlist entry ${i + 1} ("${String(entries[i])}") ${result}` };
    list.push(result);
  }
  return { ok: list };
}

function inAllowlist(address: Address, allowlist: CidrList): boolean {
  return allowlist.some((e) => e.range.kind() === address.kind() && address.match(e.range, e.prefix));
}

/** IPv6 global unicast is 2000::/3; ipaddr.js calls anything it has no name for "unicast". */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Allowed iff the address (IPv4-mapped IPv6 read as IPv4) is public unicast, or inside an
 * allowlisted CIDR. Zone ids and non-standard notations are refused.
 */
export function checkAddress(ip: string, allowlist: CidrList): AddressVerdict {
  if (typeof ip !== 'string' || isIP(ip) === 0 || ip.includes('%')) {
    return { allowed: false, reason: `"${String(ip)}" is not an IP address` };
  }
  let address: Address;
  try {
    // ipaddr reads the deprecated IPv4-compatible `::a.b.c.d` as IPv4-mapped; the WHATWG URL
    // parser canonicalises IPv6 text (`::808:808`) so both spellings get the same verdict.
    address = ipaddr.process(isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);
  } catch {
    return { allowed: false, reason: `"${ip}" is not an IP address` };
  }
  if (inAllowlist(address, allowlist)) return { allowed: true };
  const range = address.range();
  if (range !== 'unicast') return { allowed: false, reason: `${ip} is in a non-public range (${range})` };
  if (address.kind() === 'ipv6' && !address.match(GLOBAL_UNICAST_V6)) {
    return { allowed: false, reason: `${ip} is not a global unicast IPv6 address` };
  }
  return { allowed: true };
}

/**
 * Syntax and literal-address check of a webhook URL: http/https only, no credentials in the URL,
 * a host present; a host that is an IP literal (WHATWG URL has already normalised `127.1`,
 * `0x7f000001`, `2130706433`, `0177.0.0.1` to `127.0.0.1`) must pass checkAddress. Host names
 * are checked later, at connect time, by the guarded lookup. `allowlist` default: none.
 */
export function checkUrlSyntax(url: string, allowlist: CidrList = []): { ok: URL } | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: 'is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: 'must use http or https' };
  if (parsed.username !== '' || parsed.password !== '')
    return { error: 'must not contain a user name or password (use the credential settings)' };
  if (parsed.hostname === '') return { error: 'must have a host' };
  const literal = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (isIP(literal) !== 0) {
    const verdict = checkAddress(literal, allowlist);
    if (!verdict.allowed) return { error: `address not allowed: ${verdict.reason}` };
  }
  return { ok: parsed };
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

/** Default resolver: the system resolver (same as sockets use), every address. */
const systemResolve: Resolver = (host) => dnsPromises.lookup(host, { all: true, verbatim: true });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type GuardedLookup = (
  hostname: string,
  options: { family?: number | string; all?: boolean } | number,
  callback: LookupCallback,
) => void;

async function resolveChecked(host: string, allowlist: CidrList, resolve: Resolver): Promise<LookupAddress[]> {
  const addresses = await resolve(host);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} did not resolve`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const verdict = checkAddress(address, allowlist);
    // One bad address refuses the host: the socket might otherwise fall back to it.
    if (!verdict.allowed) throw new BlockedAddressError(`${host} resolves to a blocked address: ${verdict.reason}`);
  }
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

function wantedFamily(options: { family?: number | string } | number): 4 | 6 | null {
  const family = typeof options === 'number' ? options : options?.family;
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return null;
}

/**
 * A `dns.lookup`-compatible function for `net.connect({ lookup })` / undici's
 * `connect: { lookup }`: resolves ALL addresses, refuses (BlockedAddressError, code
 * HOOKFLOW_BLOCKED) if any one is not allowed, else answers with the checked addresses only
 * (all of them when called with `all: true`, as net.connect does for autoSelectFamily; else the
 * first of the requested family). `resolve` default: `dns.promises.lookup(host, { all: true })`.
 */
export function createGuardedLookup(allowlist: CidrList, resolve: Resolver = systemResolve): GuardedLookup {
  return (hostname, options, callback) => {
    resolveChecked(hostname, allowlist, resolve).then(
      (checked) => {
        const family = wantedFamily(options);
        const usable = family === null ? checked : checked.filter((a) => a.family === family);
        if (usable.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '');
        } else if (typeof options === 'object' && options?.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

export interface GuardedAgentOptions {
  allowlist: CidrList;
  /** Connect timeout, and the limit for response headers and for each body gap, ms. */
  timeoutMs: number;
  /** Resolver for host names. Default: the system resolver (`dns.promises.lookup`, all addresses). */
  resolve?: Resolver;
}

/**
 * An undici Agent whose sockets only reach allowed addresses: host names go through the guarded
 * lookup; IP-literal hosts (which net.connect never looks up) are checked before connecting.
 * The dispatcher MUST pass this agent explicitly as `dispatcher` on every request: that also
 * keeps environment proxies (HTTP_PROXY…) and the global dispatcher out of the path.
 * Redirects are not followed (undici's Agent never follows them).
 */
export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  const lookup = createGuardedLookup(options.allowlist, options.resolve);
  const connector = buildConnector({ timeout: options.timeoutMs, lookup } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (opts, callback) => {
    if (isIP(opts.hostname) !== 0) {
      const verdict = checkAddress(opts.hostname, options.allowlist);
      if (!verdict.allowed) {
        callback(new BlockedAddressError(`address not allowed: ${verdict.reason}`), null);
        return;
      }
    }
    connector(opts, callback);
  };
  return new Agent({ connect, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
}
