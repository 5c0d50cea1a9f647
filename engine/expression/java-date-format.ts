import { format } from 'date-fns';

/** Java SimpleDateFormat letters whose date-fns spelling differs; the rest mean the same in both. */
const JAVA_TO_DATE_FNS: Record<string, string> = { Z: 'xx', u: 'i', F: 'i', k: 'k', K: 'K', X: 'X' };

/**
 * Formats `date` with a Java SimpleDateFormat pattern, as `get-property('SYSTEM_DATE', pattern)` does
 * (reference §3.2.5). Letters are translated to date-fns tokens; quoted text is passed through.
 */
export function formatJavaDate(date: Date, pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const literal = end < 0 ? pattern.slice(i) : pattern.slice(i, end + 1);
      out += literal;
      i += literal.length;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const run = j - i;
      const mapped = JAVA_TO_DATE_FNS[c];
      out += mapped ? mapped.repeat(c === 'Z' ? 1 : run) : c.repeat(run);
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return format(date, out, { useAdditionalDayOfYearTokens: true, useAdditionalWeekYearTokens: true });
}

/** The JVM's default short date-time format in an English locale, used when no pattern is given. */
export function defaultJavaDate(date: Date): string {
  return format(date, 'M/d/yy h:mm a');
}
