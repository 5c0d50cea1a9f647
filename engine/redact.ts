/**
 * The one list of what must never be shown: logs, traces, fault bodies and the admin API all mask through
 * here. Names are matched case-insensitively; a credential keeps its scheme (`Bearer ***`) so that a reader
 * still sees what kind it was.
 */
const SECRET_NAME = /(authorization|cookie|secret|password|passwd|pwd|token(?![-_]?(type|url|uri|endpoint))|api[-_]?key|credential|client[-_]?auth|private[-_]?key|assertion)/i;
const CREDENTIAL = /^(Bearer|Basic|Digest|Negotiate|NTLM)\s+.*/is;
export const MASK = '***';

/** Whether a header, property or field of this name holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A value as it may be shown under `name`. */
export function redactValue(name: string, value: string): string {
  if (CREDENTIAL.test(value)) return value.replace(CREDENTIAL, (_m, scheme: string) => `${scheme} ${MASK}`);
  return isSecretName(name) && value !== '' ? MASK : value;
}

export function redactRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) out[name] = redactValue(name, value);
  return out;
}

/** A payload as it may be shown: JSON members and form fields with secret names are masked. */
export function redactPayload(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(text, (key, value: unknown) => (typeof value === 'string' && key ? redactValue(key, value) : value)));
    } catch {
      return text;
    }
  }
  if (/^[\w.%-]+=[^&\s]*(&[\w.%-]+=[^&\s]*)*$/.test(text.trim())) {
    return text.replace(/([\w.%-]+)=([^&]*)/g, (_m, name: string, value: string) => `${name}=${isSecretName(decodeURIComponent(name)) ? MASK : value}`);
  }
  return text.replace(/<([\w:.-]*(?:secret|password|token)[\w:.-]*)>[^<]*<\//gi, `<$1>${MASK}</`);
}
