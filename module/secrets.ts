/**
 * Encryption at rest for webhook credentials and signing secrets: AES-256-GCM with a random
 * 12-byte IV per message. Sealed form: `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`;
 * the version prefix lets a later key or algorithm change coexist with old rows.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes a 32-byte key from 64 hex characters or base64 (standard or url-safe); throws otherwise. */
export function decodeSecretKey(key: string): Buffer {
  const text = typeof key === 'string' ? key.trim() : '';
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, 'hex');
  else if (BASE64.test(text)) bytes = Buffer.from(text, 'base64');
  else if (BASE64URL.test(text)) bytes = Buffer.from(text, 'base64url');
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new Error('secret key must be 32 bytes written as 64 hex characters or base64');
  }
  return bytes;
}

export interface SecretBox {
  /** Encrypts UTF-8 text; every call uses a fresh IV, so equal inputs give different outputs. */
  seal(plaintext: string): string;
  /** Decrypts what seal produced; throws on a wrong key, a malformed value or any tampering. */
  open(sealed: string): string;
  /** seal(JSON.stringify(value)). */
  sealJson(value: unknown): string;
  /** JSON.parse(open(sealed)). */
  openJson<T = unknown>(sealed: string): T;
  /**
   * A value that identifies the key without revealing it (HMAC of a fixed label under the key):
   * stored once, it tells a later start whether it was given the same key.
   */
  checkValue(): string;
}

function decodePart(part: string, expectedBytes: number | null): Buffer {
  if (!BASE64.test(part)) throw new Error('sealed secret is malformed');
  const bytes = Buffer.from(part, 'base64');
  if (expectedBytes !== null && bytes.length !== expectedBytes) throw new Error('sealed secret is malformed');
  return bytes;
}

function sealWith(key: Buffer, plaintext: string): string {
  if (typeof plaintext !== 'string') throw new Error('seal expects a string');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join(':');
}

function openWith(key: Buffer, sealed: string): string {
  const parts = typeof sealed === 'string' ? sealed.split(':') : [];
  if (parts.length !== 4 || parts[0] !== VERSION)
    throw new Error('sealed secret is malformed or of an unknown version');
  const iv = decodePart(parts[1], IV_BYTES);
  const tag = decodePart(parts[2], TAG_BYTES);
  const ciphertext = decodePart(parts[3], null);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // GCM's tag check failed: never return unauthenticated plaintext.
    throw new Error('sealed secret could not be decrypted (wrong key or tampered value)');
  }
}

/** A box bound to one key (see decodeSecretKey for accepted key forms). */
export function createSecretBox(key: string): SecretBox {
  const keyBytes = decodeSecretKey(key);
  return {
    seal: (plaintext) => sealWith(keyBytes, plaintext),
    open: (sealed) => openWith(keyBytes, sealed),
    sealJson: (value) => {
      const json = JSON.stringify(value);
      if (json === undefined) throw new Error('sealJson: value is not JSON-serialisable');
      return sealWith(keyBytes, json);
    },
    openJson: <T = unknown>(sealed: string) => JSON.parse(openWith(keyBytes, sealed)) as T,
    checkValue: () => createHmac('sha256', keyBytes).update('hookflow key check v1').digest('hex'),
  };
}

/**
 * A display form of a secret: `••••` plus at most the last 4 characters, and only when the value
 * has at least 8 (shorter ones would give away too large a share). Empty input gives ''.
 */
export function maskSecret(value: string): string {
  if (typeof value !== 'string' || value.length === 0) return '';
  const chars = Array.from(value); // code points, so an emoji is never cut in half
  return chars.length < 8 ? '••••' : `••••${chars.slice(-4).join('')}`;
}
