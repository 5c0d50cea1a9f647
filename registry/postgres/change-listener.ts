import pg from 'pg';

/** The NOTIFY channel every registry write announces itself on; the payload is {space, version}. */
export const CHANNEL = 'mediate_registry';

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

/**
 * One connection LISTENing on the registry channel, kept open: when the database drops it (a restart, a
 * network cut) it reconnects with a growing pause, and says so through `reconnected`, since whatever was
 * announced in between is lost and must be caught up on. Notifications are a fast path only; the store's
 * periodic check covers a listener that is down.
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly notified: (payload: string) => void,
    private readonly reconnected: () => void,
  ) {}

  /** The first connection: its failure is the caller's (a store that cannot listen does not open). */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    // Without a listener, an 'error' event on the connection would end the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.notified(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined); // already broken: ending it only frees the socket
      throw err;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    void client.end().catch(() => undefined); // the connection has failed; ending it only frees the socket
    this.retry();
  }

  private retry(): void {
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          this.retryMs = FIRST_RETRY_MS;
          if (!this.closed) this.reconnected();
        },
        () => {
          this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
          if (!this.closed) this.retry();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }
}
