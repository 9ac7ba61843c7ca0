/**
 * Runs test/corpus/mail-headers.tsv: the address check and the header text of subjects. Every
 * accepted address and every subject is also built into a MIME message by nodemailer's stream
 * transport (in memory, nothing is sent) and parsed back by mailparser: one recipient, one
 * Subject equal to the sanitised text, and no header Hookflow did not ask for.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { simpleParser, type AddressObject } from 'mailparser';
import { emailAddressProblem, sanitizeHeaderText } from '../../../module/mail-address.js';
import { alertSubject, recordLabelOf, type AlertGroupFacts } from '../../../module/alerts/alert-view.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
const EXPECTED_HEADERS = [
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'subject',
  'to',
];

/** Header names of a raw message, in order, after unfolding continuation lines. */
function headerNames(raw: string): string[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return head
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

async function buildAndParse(to: string, subject: string) {
  const info = (await transport.sendMail({ from: 'hookflow@example.com', to, subject, text: 'body' })) as {
    message: Buffer;
  };
  const raw = info.message.toString('utf8');
  return { names: headerNames(raw), parsed: await simpleParser(info.message) };
}

function group(workflowTitle: string, taskTitle: string): AlertGroupFacts {
  return { taskId: 1, taskTitle, workflowId: 1, workflowTitle, disabled: null, deliveries: [] };
}

const SUBJECTS: Record<string, (input: string) => string> = {
  subject: (input) => sanitizeHeaderText(input, 250),
  alert: (input) => alertSubject(group(input, 'hook'), 1, 'Deals #5'),
  'alert-task': (input) => alertSubject(group('flow', input), 1, 'Deals #5'),
  record: (input) => alertSubject(group('flow', 'hook'), 1, recordLabelOf('Deals', 5, { title: input })),
};

async function checkAddressCase(c: CorpusCase): Promise<void> {
  const problem = emailAddressProblem(c.inputs[1]);
  assert.equal(problem === null ? 'ok' : 'refuse', c.expected, `${c.where} (${c.reason}): ${problem}`);
  if (problem !== null) return;
  const to = c.inputs[1].trim();
  const { names, parsed } = await buildAndParse(to, 'x');
  assert.deepEqual([...names].sort(), EXPECTED_HEADERS, 'no header beyond the ones Hookflow sets');
  assert.deepEqual(
    (parsed.to as AddressObject).value.map((a) => a.address),
    [to],
    'exactly the one recipient, unchanged',
  );
}

async function checkSubjectCase(c: CorpusCase, build: (input: string) => string): Promise<void> {
  const subject = build(c.inputs[1]);
  assert.ok(!/[\r\n]/.test(subject), 'a subject never contains CR or LF');
  assert.equal(`= ${subject}`, c.expected, `${c.where} (${c.reason})`);
  const { names, parsed } = await buildAndParse('ada@example.com', subject);
  assert.deepEqual([...names].sort(), EXPECTED_HEADERS, 'no injected header');
  assert.equal(parsed.subject, subject, 'the Subject reads back as the sanitised text');
}

describe('mail header corpus', () => {
  for (const c of loadCorpus('mail-headers.tsv', 2)) {
    test(caseTitle(c), caseOptions(c), async () => {
      const kind = c.inputs[0];
      if (kind === 'address') return checkAddressCase(c);
      assert.ok(kind in SUBJECTS, `${c.where}: unknown kind ${kind}`);
      return checkSubjectCase(c, SUBJECTS[kind]);
    });
  }
});
