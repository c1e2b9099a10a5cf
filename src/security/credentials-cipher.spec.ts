import { randomBytes } from 'node:crypto';
import { CredentialsCipher } from './credentials-cipher';

describe('credentials cipher', () => {
  const cipher = new CredentialsCipher(randomBytes(32).toString('hex'));

  test('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt('my-twilio-auth-token');
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('my-twilio-auth-token');
    expect(cipher.encrypt('my-twilio-auth-token')).not.toBe(stored);
    expect(cipher.decrypt(stored)).toBe('my-twilio-auth-token');
  });

  test('a value encrypted under another key, or tampered with, does not decrypt', () => {
    const other = new CredentialsCipher(randomBytes(32).toString('hex'));
    expect(() => other.decrypt(cipher.encrypt('secret'))).toThrow();
    const [v, iv, tag, data] = cipher.encrypt('secret').split(':');
    const flipped = Buffer.from(data!, 'base64');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([v, iv, tag, flipped.toString('base64')].join(':'))).toThrow();
  });
});
