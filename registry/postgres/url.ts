import { RegistryStoreError } from '../store.js';

/**
 * A PostgreSQL URL as it may be shown: the password (the secret part of the URL) replaced by `***`. Everything
 * Mediate prints about the database — descriptions, errors, log lines, GET /health — goes through this or
 * through scrub().
 */
export class DatabaseUrl {
  /** The URL with its password masked. */
  readonly shown: string;
  private readonly secrets: string[];

  /** @param setting the gateway.yaml key it comes from, for the error when it is not a URL. */
  constructor(
    readonly raw: string,
    setting: string,
  ) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      // The message must not repeat the text: a malformed URL is still likely to hold the password.
      throw new RegistryStoreError(`${setting} is not a URL of the form postgres://user:password@host:port/database`);
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new RegistryStoreError(`${setting} must be a postgres:// or postgresql:// URL, not ${url.protocol}//…`);
    }
    const password = url.password;
    if (password) url.password = '***';
    this.shown = url.toString();
    // pg reports the password neither encoded nor decoded as a rule, but an error quoting its input could.
    this.secrets = password ? [...new Set([raw, password, decoded(password)])] : [raw];
  }

  /** `text` with the URL and the password masked wherever they occur. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(secret === this.raw ? this.shown : '***');
    return out;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
