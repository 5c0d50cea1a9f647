import { format } from 'date-fns';

/** Java SimpleDateFormat letters whose date-fns spelling differs; the rest mean the same in both. */
const JAVA_TO_DATE_FNS: Record<string, string> = { Z: 'xx', u: 'i', k: 'k', K: 'K', X: 'X', a: 'a' };

/** Java numeric letters date-fns lacks, or reads differently (its S is a fraction of a second, Java's the milliseconds). */
const JAVA_NUMBERS: Record<string, (date: Date) => number> = {
  S: (date) => date.getMilliseconds(),
  F: (date) => Math.floor((date.getDate() - 1) / 7) + 1,
  // Weeks start on Sunday and the first week may have a single day, as in an English-locale JVM.
  W: (date) => Math.floor((date.getDate() - 1 + new Date(date.getFullYear(), date.getMonth(), 1).getDay()) / 7) + 1,
};

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
      const number = JAVA_NUMBERS[c];
      if (number) out += `'${String(number(date)).padStart(run, '0')}'`;
      else out += mapped ? mapped.repeat(c === 'Z' || c === 'a' ? 1 : run) : c.repeat(run);
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
