import { describe, expect, test } from 'vitest';
import { DatabaseUrl } from '../../registry/postgres/url.js';
import { RegistryStoreError } from '../../registry/store.js';

describe('DatabaseUrl: the database URL as Mediate may show it', () => {
  test('the password is masked; the rest stays readable', () => {
    const url = new DatabaseUrl('postgres://mediate:s3cr%40t-pw@db.internal:6432/gov?sslmode=require', 'registry.governance.url');
    expect(url.shown).toBe('postgres://mediate:***@db.internal:6432/gov?sslmode=require');
    expect(url.raw).toContain('s3cr%40t-pw');
  });

  test('scrub masks the whole URL and the password, encoded or not, wherever they appear in a foreign message', () => {
    const raw = 'postgresql://u:p%2Fss-9f3e@h/d';
    const url = new DatabaseUrl(raw, 'registry.governance.url');
    expect(url.scrub(`could not connect to ${raw}`)).toBe('could not connect to postgresql://u:***@h/d');
    expect(url.scrub('auth failed for p/ss-9f3e and p%2Fss-9f3e')).toBe('auth failed for *** and ***');
  });

  test('a URL without a password is shown as it is', () => {
    const url = new DatabaseUrl('postgres://mediate@127.0.0.1/gov', 'registry.governance.url');
    expect(url.shown).toBe('postgres://mediate@127.0.0.1/gov');
    expect(url.scrub('nothing secret here')).toBe('nothing secret here');
  });

  test('what is not a postgres URL is refused, naming the setting and not repeating the text', () => {
    for (const [raw, message] of [
      ['db.internal hunter2', 'registry.config.url is not a URL of the form postgres://user:password@host:port/database'],
      ['mysql://user:hunter2@db/gov', 'registry.config.url must be a postgres:// or postgresql:// URL, not mysql://…'],
    ] as const) {
      let error: unknown;
      try {
        new DatabaseUrl(raw, 'registry.config.url');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RegistryStoreError);
      expect((error as Error).message).toBe(message);
    }
  });
});
