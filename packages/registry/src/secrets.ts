/**
 * API keys at rest: AES-256-GCM with a random 96-bit IV per value and the model id as
 * additional authenticated data, so a ciphertext cannot be edited or moved to another record
 * without decryption failing. Every ciphertext names its key id, so several keys can be
 * configured at once and `rotateKey()` can move values to the newest one.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TinyLLMError } from '@tinyllm/core';
import type { EncryptedSecret } from './records';

/** An encryption key: 32 bytes, given raw or as base64 / hex text. */
export interface EncryptionKey {
  /** Key id stored with each ciphertext. Default: derived from the key (`k-` + 8 hex chars). */
  id?: string;
  key: string | Uint8Array;
}

/** Environment variable read when no key is given: a 32-byte key in base64 or hex. */
export const encryptionKeyEnvironmentVariable = 'TINYLLM_REGISTRY_KEY';

interface ResolvedKey {
  id: string;
  key: Buffer;
  /** The id the key gets when none is given (`k-` + 8 hex chars of its SHA-256). */
  derivedId: string;
  /** 16 hex chars of the key's SHA-256: identifies the bytes whatever id they are given. */
  fingerprint: string;
}

function decodeKey(key: string | Uint8Array): Buffer {
  if (typeof key !== 'string') return Buffer.from(key);
  const text = key.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  return Buffer.from(text, 'base64');
}

/** Resolves configured keys; the first one encrypts, all of them decrypt. */
export function resolveKeys(keys: ReadonlyArray<EncryptionKey>): ResolvedKey[] {
  return keys.map((entry, index) => {
    const key = decodeKey(entry.key);
    if (key.length !== 32) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `Encryption key ${entry.id ?? index} must be 32 bytes (base64 or hex), got ${key.length}.`,
        path: `keys[${index}]`,
      });
    }
    const digest = createHash('sha256').update(key).digest('hex');
    const derivedId = `k-${digest.slice(0, 8)}`;
    return { id: entry.id ?? derivedId, key, derivedId, fingerprint: digest.slice(0, 16) };
  });
}

/** Generates a new random key as base64 text, e.g. for `TINYLLM_REGISTRY_KEY`. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** Encrypts and decrypts API keys with a set of keys. */
export class SecretBox {
  private readonly keys: ResolvedKey[];

  constructor(keys: ResolvedKey[]) {
    this.keys = keys;
  }

  /** Id of the key new values are encrypted with, or undefined when no key is configured. */
  get primaryKeyId(): string | undefined {
    return this.keys[0]?.id;
  }

  /** Whether `secret` is already encrypted under the primary key with its current id. */
  isPrimary(secret: EncryptedSecret): boolean {
    const primary = this.keys[0];
    return primary !== undefined && secret.keyId === primary.id;
  }

  encrypt(plaintext: string, recordId: string): EncryptedSecret {
    const primary = this.keys[0];
    if (primary === undefined) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `Storing an API key needs an encryption key: pass \`encryptionKey\` or \`keys\`, or set ${encryptionKeyEnvironmentVariable}.`,
        path: 'encryptionKey',
      });
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', primary.key, iv);
    cipher.setAAD(Buffer.from(recordId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      algorithm: 'aes-256-gcm',
      keyId: primary.id,
      fingerprint: primary.fingerprint,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  decrypt(secret: EncryptedSecret, recordId: string): string {
    // Keys are matched by their bytes too, not only by the id they were given: a value written
    // with `encryptionKey: K1` (derived id) opens under `keys: [{ id: 'old', key: K1 }]`.
    const entry =
      this.keys.find((candidate) => candidate.id === secret.keyId) ??
      this.keys.find(
        (candidate) =>
          candidate.derivedId === secret.keyId ||
          (secret.fingerprint !== undefined && candidate.fingerprint === secret.fingerprint),
      );
    if (entry === undefined) {
      throw new TinyLLMError({
        code: 'AUTH_FAILED',
        message: `The API key of "${recordId}" is encrypted with key "${secret.keyId}", which is not configured.`,
        details: { keyId: secret.keyId },
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(secret.iv, 'base64'));
      decipher.setAAD(Buffer.from(recordId, 'utf8'));
      decipher.setAuthTag(Buffer.from(secret.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(secret.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new TinyLLMError({
        code: 'AUTH_FAILED',
        message: `The stored API key of "${recordId}" failed authentication: it was tampered with or belongs to another record.`,
        cause: error,
        details: { keyId: secret.keyId },
      });
    }
  }
}
