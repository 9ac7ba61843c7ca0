/**
 * The host's mailer: a real SMTP transport when SMTP_URL is set, otherwise every message is
 * written as an `.eml` file so the demo needs no mail server and mails can be opened in any
 * mail client.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { HostMailer } from 'hookflow';

export interface MailerOptions {
  /** smtp:// or smtps:// URL. Default none: write `.eml` files into `mailDir`. */
  smtpUrl?: string;
  /** Folder for `.eml` files when there is no SMTP URL; created on first send. */
  mailDir: string;
}

type Message = Parameters<HostMailer['sendMail']>[0];

export interface HostMailerHandle extends HostMailer {
  /** `smtp` or `file`, for the start-up banner. */
  readonly kind: 'smtp' | 'file';
  /** Where `.eml` files go (file mailer only). */
  readonly mailDir?: string;
  /** Closes pooled SMTP connections. */
  close(): void;
}

export interface SentMail {
  messageId: string;
  /** The `.eml` path (file mailer only). */
  file?: string;
}

/** `20250102T030405123Z-<8 hex>.eml`: sortable by time, unique across processes. */
function emlName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${crypto.randomBytes(4).toString('hex')}.eml`;
}

export function createMailer(options: MailerOptions): HostMailerHandle {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      kind: 'smtp',
      async sendMail(message: Message): Promise<SentMail> {
        const info = await transport.sendMail(message);
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const mailDir = options.mailDir;
  return {
    kind: 'file',
    mailDir,
    async sendMail(message: Message): Promise<SentMail> {
      const info = await transport.sendMail(message);
      // Owner-only folder and files: mails carry record data and alert details.
      await fs.mkdir(mailDir, { recursive: true, mode: 0o700 });
      const file = path.join(mailDir, emlName(new Date()));
      // 'wx': never overwrite, even in the (astronomically unlikely) case of a name clash.
      await fs.writeFile(file, info.message as Buffer, { flag: 'wx', mode: 0o600 });
      return { messageId: info.messageId, file };
    },
    close: () => transport.close(),
  };
}
