/**
 * A real SMTP peer for tests: an smtp-server on 127.0.0.1 (no TLS) whose messages are parsed
 * with mailparser. It can be stopped, restarted on the same port, or told to refuse recipients.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  rcptTo: string[];
  parsed: ParsedMail;
  text: string;
  html: string;
  subject: string;
}

/** An SMTP server that can be stopped, restarted on the same port, or told to refuse recipients. */
export function startSmtpSink() {
  const received: ReceivedMail[] = [];
  const refuse = new Set<string>();
  let server: SMTPServer | null = null;
  let port = 0;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, done) {
        if (refuse.has(address.address.toLowerCase()))
          done(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }));
        else done();
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          simpleParser(Buffer.concat(chunks)).then((parsed) => {
            received.push({
              rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              parsed,
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              subject: parsed.subject ?? '',
            });
            done();
          }, done);
        });
      },
    });
  return {
    received,
    refuse,
    get port() {
      return port;
    },
    async start(): Promise<number> {
      server = make();
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.server.address() as AddressInfo).port;
      return port;
    },
    async stop(): Promise<void> {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    /** Mails received, by envelope recipient. */
    to(address: string): ReceivedMail[] {
      return received.filter((m) => m.rcptTo.includes(address));
    },
  };
}
