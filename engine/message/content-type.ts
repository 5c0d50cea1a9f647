/** What a content type means for parsing and serialising a payload. */
export type PayloadFormat = 'json' | 'soap11' | 'soap12' | 'xml' | 'form' | 'text' | 'binary';

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | null | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function formatOf(contentType: string | null | undefined): PayloadFormat | undefined {
  const type = mediaType(contentType);
  if (!type) return undefined;
  if (type === 'application/json' || type.endsWith('+json') || type.includes('json')) return 'json';
  if (type === 'application/soap+xml') return 'soap12';
  if (type === 'text/xml') return 'soap11';
  if (type === 'application/xml' || type.endsWith('+xml') || type.endsWith('/xml')) return 'xml';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type.startsWith('text/')) return 'text';
  return 'binary';
}

/** A payload without a content type is read by its first character, as a client that forgot the header meant it. */
export function sniffFormat(text: string): PayloadFormat {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  if (first === '<') return 'xml';
  return 'text';
}
