import { EventEmitter } from 'node:events';

/**
 * What cancels a message's backend calls: undici takes an EventEmitter with `aborted` as well as an AbortSignal.
 * The gateway makes one per request, and an AbortController with its EventTarget signal cost a few percent of
 * a pass-through's CPU (docs/performance.md).
 */
export type CancelSignal = AbortSignal | (EventEmitter & { readonly aborted: boolean });

/** Fired once, when the client of a request goes away before its answer is finished. */
export class ClientGone extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}
