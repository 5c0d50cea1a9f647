/**
 * A resource's `url-mapping` (reference §6.3 step 6.1): an exact path, a prefix `/a/b/*` (the longest match
 * wins; `/*` matches everything with the least weight), or an extension `*.ext`.
 */
export class UrlMapping {
  private readonly kind: 'exact' | 'prefix' | 'extension';
  private readonly value: string;

  constructor(readonly mapping: string) {
    if (mapping.startsWith('*.')) {
      this.kind = 'extension';
      this.value = mapping.slice(1);
    } else if (mapping === '/*' || mapping.endsWith('/*')) {
      this.kind = 'prefix';
      this.value = mapping.slice(0, -2);
    } else {
      this.kind = 'exact';
      this.value = trimSlashes(mapping);
    }
  }

  /** 0 for no match; otherwise a weight, higher for a better match (exact beats prefix beats extension). */
  weight(path: string): number {
    const clean = trimSlashes(path);
    switch (this.kind) {
      case 'exact':
        return clean === this.value ? Number.MAX_SAFE_INTEGER : 0;
      case 'prefix': {
        // Synapse tries every prefix before any extension, so even /* must outweigh an extension's 1.
        if (this.value === '') return 2;
        const segments = this.value.split('/');
        const pathSegments = clean.split('/');
        return segments.every((s, i) => pathSegments[i] === s) ? segments.length + 2 : 0;
      }
      case 'extension':
        return clean.endsWith(this.value) ? 1 : 0;
    }
  }
}

function trimSlashes(path: string): string {
  let p = path;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}
