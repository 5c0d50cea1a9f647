import { request } from 'undici';
import { MediateError } from '../engine/errors.js';

/** The admin API of a running gateway, as the CLI's `--gateway URL` commands use it. */
export class AdminClient {
  private constructor(
    private readonly base: string,
    private readonly authorization: string,
  ) {}

  /** Credentials from --user/--password, else MEDIATE_ADMIN_USER/MEDIATE_ADMIN_PASSWORD (design.md §7). */
  static from(options: { gateway?: string; user?: string; password?: string }): AdminClient {
    const user = options.user ?? process.env['MEDIATE_ADMIN_USER'] ?? 'admin';
    const password = options.password ?? process.env['MEDIATE_ADMIN_PASSWORD'];
    if (!password) throw new MediateError('MEDIATE_NO_CREDENTIALS', 'the admin password is missing: give --password or set MEDIATE_ADMIN_PASSWORD');
    return new AdminClient(options.gateway!.replace(/\/+$/, ''), `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  }

  get(path: string): Promise<string> {
    return this.call('GET', path);
  }

  put(path: string, body: string, contentType: string): Promise<string> {
    return this.call('PUT', path, body, contentType);
  }

  delete(path: string): Promise<string> {
    return this.call('DELETE', path);
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string, contentType?: string): Promise<string> {
    let response;
    try {
      response = await request(this.base + path, {
        method,
        body,
        headers: { authorization: this.authorization, ...(contentType ? { 'content-type': contentType } : {}) },
      });
    } catch (err) {
      throw new MediateError('MEDIATE_ADMIN_UNREACHABLE', `cannot reach the admin API at ${this.base}: ${(err as Error).message}`);
    }
    const text = await response.body.text();
    if (response.statusCode === 404) throw new MediateError('MEDIATE_NOT_FOUND', messageOf(text));
    if (response.statusCode >= 400) throw new MediateError('MEDIATE_ADMIN_REFUSED', `${response.statusCode}: ${messageOf(text)}`);
    return text;
  }
}

function messageOf(text: string): string {
  try {
    const json = JSON.parse(text) as { description?: string; errors?: string[] };
    return [json.description, ...(json.errors ?? [])].filter(Boolean).join('\n');
  } catch {
    return text;
  }
}
