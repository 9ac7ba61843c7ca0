import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createMailer, type SentMail } from '../../../host/mailer.js';

describe('host mailer', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-mail-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('without SMTP_URL every message becomes an .eml file', async () => {
    const mailDir = path.join(dir, 'mail');
    const mailer = createMailer({ mailDir });
    assert.equal(mailer.kind, 'file');
    const message = {
      from: '"CRM" <crm@example.com>',
      to: ['ada@example.com', 'sam@example.com'],
      subject: 'Delivery failed: Ünïcode ✓',
      text: 'plain body',
      html: '<p>html body</p>',
      headers: { 'X-Hookflow': 'yes' },
    };
    const first = (await mailer.sendMail(message)) as SentMail;
    const second = (await mailer.sendMail({ ...message, subject: 'second' })) as SentMail;
    mailer.close();
    const files = fs.readdirSync(mailDir).sort();
    assert.equal(files.length, 2);
    for (const f of files) assert.match(f, /^\d{8}T\d{9}Z-[0-9a-f]{8}\.eml$/);
    assert.ok(files.includes(path.basename(first.file!)));
    assert.notEqual(first.file, second.file);
    const parsed = await simpleParser(fs.readFileSync(first.file!));
    assert.equal(parsed.subject, 'Delivery failed: Ünïcode ✓');
    assert.equal(parsed.text?.trim(), 'plain body');
    assert.equal(parsed.html, '<p>html body</p>');
    assert.equal(parsed.headers.get('x-hookflow'), 'yes');
    const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
    assert.deepEqual(
      to.flatMap((a) => a!.value.map((v) => v.address)),
      ['ada@example.com', 'sam@example.com'],
    );
    assert.equal(fs.statSync(first.file!).mode & 0o777, 0o600);
  });

  test('with SMTP_URL messages go to the SMTP server', async () => {
    const received: Buffer[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks));
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    try {
      const mailer = createMailer({
        smtpUrl: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
        mailDir: path.join(dir, 'unused'),
      });
      assert.equal(mailer.kind, 'smtp');
      await mailer.sendMail({ from: 'crm@example.com', to: 'ada@example.com', subject: 'over smtp', text: 'hi' });
      mailer.close();
      assert.equal(received.length, 1);
      assert.equal((await simpleParser(received[0])).subject, 'over smtp');
      assert.equal(fs.existsSync(path.join(dir, 'unused')), false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
