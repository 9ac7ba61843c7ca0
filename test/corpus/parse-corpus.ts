/**
 * Reads the adversarial corpus files in this folder (format: README.md here). One case per
 * line, fields separated by TABs: the input column(s), the expected outcome, a short reason,
 * and optionally `known-bug: <what is wrong>` (the runner then marks the case as a known
 * failure instead of hiding it). `#` starts a comment line; blank lines are skipped.
 *
 * Invariant: a malformed line THROWS (naming file and line), so a typo in a data file fails
 * the suite instead of silently dropping a case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const corpusDirectory = path.dirname(fileURLToPath(import.meta.url));

export interface CorpusCase {
  /** `outbound-addresses.tsv:42`, for test names and failure messages. */
  where: string;
  /** The decoded input columns, in file order. */
  inputs: string[];
  /** The decoded expected outcome. */
  expected: string;
  reason: string;
  /** Set when the line carries `known-bug: …`. */
  knownBug?: string;
}

const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(.))/gs;
const SIMPLE: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0', '\\': '\\' };

/**
 * Decodes one field: `\t \n \r \0 \\ \xHH \uHHHH \u{H…}`; a field that is exactly `-` is the
 * empty string (write a literal dash as `\x2d`). Any other backslash sequence is an error.
 */
export function decodeField(raw: string): string {
  if (raw === '-') return '';
  return raw.replace(ESCAPE, (whole, hex?: string, braced?: string, four?: string, single?: string) => {
    const code = hex ?? braced ?? four;
    if (code !== undefined) return String.fromCodePoint(parseInt(code, 16));
    if (single !== undefined && single in SIMPLE) return SIMPLE[single];
    throw new Error(`unknown escape ${JSON.stringify(whole)}`);
  });
}

const KNOWN_BUG = /^known-bug:\s*(.+)$/;

function parseLine(text: string, where: string, inputColumns: number): CorpusCase {
  const fields = text.split('\t');
  const last = fields[fields.length - 1];
  const bug = fields.length === inputColumns + 3 ? KNOWN_BUG.exec(last) : null;
  if (fields.length !== inputColumns + 2 && !bug) {
    throw new Error(`${where}: expected ${inputColumns} input column(s) + expected + reason [+ known-bug: …], got ${fields.length} fields`);
  }
  try {
    return {
      where,
      inputs: fields.slice(0, inputColumns).map(decodeField),
      expected: decodeField(fields[inputColumns]),
      reason: fields[inputColumns + 1].trim(),
      ...(bug ? { knownBug: bug[1].trim() } : {}),
    };
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

/** All cases of `name` (a file in this folder) with `inputColumns` input columns each. */
export function loadCorpus(name: string, inputColumns: number): CorpusCase[] {
  const lines = fs.readFileSync(path.join(corpusDirectory, name), 'utf8').split(/\r?\n/);
  const cases: CorpusCase[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const c = parseLine(line, `${name}:${index + 1}`, inputColumns);
    if (c.reason === '') throw new Error(`${c.where}: every case needs a reason`);
    cases.push(c);
  });
  if (cases.length === 0) throw new Error(`${name}: no cases`);
  return cases;
}

/** Only the cases whose first input column equals `kind` (files that mix several checks). */
export function casesOfKind(cases: readonly CorpusCase[], kind: string): CorpusCase[] {
  return cases.filter((c) => c.inputs[0] === kind);
}

/** A short, printable test name: the input shown as JSON and clipped. */
export function caseTitle(c: CorpusCase, input = c.inputs.join(' | ')): string {
  const shown = JSON.stringify(input);
  return `${c.where} ${shown.length > 90 ? `${shown.slice(0, 90)}…"` : shown} → ${c.expected.length > 60 ? `${c.expected.slice(0, 60)}…` : c.expected}`;
}

/** node:test options for a case: a known bug is reported as TODO (its failure does not fail the run). */
export function caseOptions(c: CorpusCase): { todo?: string } {
  return c.knownBug ? { todo: `known bug: ${c.knownBug}` } : {};
}

export interface DnsInput { host: string; answers: Array<{ address: string; family: 4 | 6 }>; family?: 4 | 6 }

/** A `dns` input of outbound-addresses.tsv: `host=a,b;family=4` → host, answers in order, family asked for. */
export function parseDnsInput(input: string): DnsInput {
  const [spec, option] = input.split(';');
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`dns input must be host=answers: ${input}`);
  const answers = spec.slice(eq + 1).split(',').filter((a) => a !== '').map((address) => ({ address, family: address.includes(':') ? 6 as const : 4 as const }));
  const family = option === 'family=4' ? 4 : option === 'family=6' ? 6 : undefined;
  if (option !== undefined && family === undefined) throw new Error(`unknown dns option: ${option}`);
  return { host: spec.slice(0, eq), answers, family };
}
