/** One key rewritten by rescope, with where it was. */
export interface RescopeChange {
  readonly line: number;
  readonly column: number;
  readonly from: string;
  readonly to: string;
}

type Target = 'local' | 'gov';

/**
 * Rewrites the registry keys of a sequence's text between the governance and local scopes, keeping everything
 * else byte for byte (formatting, comments, CDATA). It rewrites `gov:/...` ↔ `local:/...` wherever they stand
 * (attributes, expressions, script string literals) and gives a prefix to keys that have none, which Synapse
 * reads as gov:, where they are recognisably registry keys: `get-property('registry', '/a')` and the name of a
 * `property` with `scope="registry"`. `conf:` keys are left alone.
 */
export function rescope(text: string, to: Target): { text: string; changes: RescopeChange[] } {
  const from: Target = to === 'local' ? 'gov' : 'local';
  const edits: Array<{ offset: number; length: number; replacement: string }> = [];

  for (const m of text.matchAll(new RegExp(`\\b${from}:(?=/|[A-Za-z0-9_])`, 'g'))) {
    edits.push({ offset: m.index!, length: m[0].length, replacement: `${to}:` });
  }
  if (to === 'local') {
    // Keys with no prefix are governance keys (reference §4.1); they need the prefix to move.
    const getProperty = /get-property\(\s*(['"])registry\1\s*,\s*(['"])(?!(?:gov|conf|local):)/g;
    for (const m of text.matchAll(getProperty)) edits.push({ offset: m.index! + m[0].length, length: 0, replacement: 'local:' });
    const registryProperty = /<property\b[^>]*>|\{[^{}]*\}/g;
    for (const m of text.matchAll(registryProperty)) {
      const tag = m[0];
      if (!/\bscope\s*[=:]\s*['"]?registry\b/.test(tag)) continue;
      const name = /\bname\s*[=:]\s*(['"]?)(?!(?:gov|conf|local):)(?=[^'"\s,}])/.exec(tag);
      if (name) edits.push({ offset: m.index! + name.index + name[0].length, length: 0, replacement: 'local:' });
    }
  }

  edits.sort((a, b) => a.offset - b.offset);
  const changes: RescopeChange[] = [];
  let out = '';
  let last = 0;
  for (const edit of edits) {
    out += text.slice(last, edit.offset) + edit.replacement;
    last = edit.offset + edit.length;
    const { line, column } = position(text, edit.offset);
    const keyEnd = /^[^'"\s<>,}@]*/.exec(text.slice(last))![0];
    changes.push({ line, column, from: text.slice(edit.offset, last) + keyEnd, to: edit.replacement + keyEnd });
  }
  out += text.slice(last);
  return { text: out, changes };
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
