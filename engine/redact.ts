/**
 * The one list of what must never be shown: logs, traces, fault bodies and the admin API all mask through
 * here. Names are matched case-insensitively; a credential keeps its scheme (`Bearer ***`) so that a reader
 * still sees what kind it was.
 */
const SECRET_NAME = /(authorization|cookie|secret|password|passwd|pwd|token(?![-_]?(type|url|uri|endpoint))|api[-_]?key|credential|client[-_]?auth|private[-_]?key|assertion)/i;
const CREDENTIAL = /^(Bearer|Basic|Digest|Negotiate|NTLM)\s+.*/is;
export const MASK = '***';

/** Names already judged: logs and traces ask about the same few field and header names all the time. */
const judged = new Map<string, boolean>();

/** Whether a header, property or field of this name holds a secret. */
export function isSecretName(name: string): boolean {
  let secret = judged.get(name);
  if (secret === undefined) {
    secret = SECRET_NAME.test(name);
    // Names can come from messages (headers, form fields): the memo stays small whatever arrives.
    if (judged.size >= 1000) judged.clear();
    judged.set(name, secret);
  }
  return secret;
}

/** A value as it may be shown under `name`. */
export function redactValue(name: string, value: string): string {
  if (CREDENTIAL.test(value)) return value.replace(CREDENTIAL, (_m, scheme: string) => `${scheme} ${MASK}`);
  return isSecretName(name) && value !== '' ? MASK : value;
}

/**
 * Whether a registry resource holds a secret, by its path: the last segment has a secret's name
 * (`.../access_Token`), or it lies in one of `secretFolders` (the OAuth2 token cache).
 */
export function isSecretPath(path: string, secretFolders: readonly string[] = []): boolean {
  const last = path.split('/').filter(Boolean).at(-1) ?? '';
  return isSecretName(last) || secretFolders.some((folder) => path.startsWith(`${folder.replace(/\/$/, '')}/`));
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

const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Digest|Negotiate|NTLM)\s+[^\s,;"'<>]+/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const NAMED_VALUE = /([A-Za-z0-9_.-]+)("?\s*[=:]\s*"?)([^\s&,;"'<>}?=]+)/g;
const SCHEME = /^(Bearer|Basic|Digest|Negotiate|NTLM)$/i;

/**
 * Free text (an error message, a fault description) as it may be shown: credentials after an auth scheme, the
 * user info of URLs, and `name=value` or `"name": "value"` pairs whose name is a secret's are masked.
 */
export function redactText(text: string): string {
  return text
    .replace(SCHEME_CREDENTIAL, (_m, scheme: string) => `${scheme} ${MASK}`)
    .replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${MASK}@`)
    .replace(NAMED_VALUE, (m, name: string, separator: string, value: string) => (isSecretName(name) && value !== MASK && !SCHEME.test(value) ? `${name}${separator}${MASK}` : m));
}
