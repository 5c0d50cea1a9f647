import type { SourceLocation } from '../config/diagnostics.js';
import type { Api } from '../api/api.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { FaultHandler } from '../message/message-context.js';
import type { ArtifactLookup, LocalEntryValue } from '../runtime.js';
import type { Sequence } from '../sequence.js';

/** An artifact with the place it was defined, so that a duplicate can name both files. */
interface Defined<T> {
  readonly value: T;
  readonly loc: SourceLocation;
}

/**
 * The artifacts of one loaded configuration (a config folder, or one Synapse `<definitions>` file): named
 * sequences and local entries. Keys are looked up here first; the registry comes after (reference §4.1).
 */
export class Configuration implements ArtifactLookup {
  readonly sequences = new Map<string, Defined<Sequence>>();
  readonly localEntries = new Map<string, Defined<LocalEntryValue>>();
  readonly endpoints = new Map<string, Defined<Endpoint>>();
  /** APIs by runtime name (`name:vversion`). */
  readonly apis = new Map<string, Defined<Api>>();

  /** `parent` answers keys this configuration does not define (an uploaded flow sees the gateway's artifacts). */
  constructor(private readonly parent?: ArtifactLookup) {}

  sequence(key: string): FaultHandler | undefined {
    return this.sequences.get(key)?.value ?? this.parent?.sequence(key);
  }

  localEntry(key: string): LocalEntryValue | undefined {
    return this.localEntries.get(key)?.value ?? this.parent?.localEntry(key);
  }

  endpoint(key: string): Endpoint | undefined {
    return this.endpoints.get(key)?.value ?? this.parent?.endpoint(key);
  }
}
