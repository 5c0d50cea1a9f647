import { describe, expect, it } from 'vitest';
import { defaultJavaDate, formatJavaDate } from '../../../engine/expression/java-date-format.js';

// Local time, as the JVM formats in its default time zone.
const TUESDAY = new Date(2024, 0, 2, 15, 4, 5, 6);
const SUNDAY = new Date(2024, 0, 7, 9, 30, 0, 120);

/** Java's `Z`: the zone offset as +hhmm. */
function rfc822Offset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

describe('formatJavaDate: Java SimpleDateFormat patterns (reference §3.2.5)', () => {
  it.each([
    ["yyyy-MM-dd'T'HH:mm:ss.SSS", '2024-01-02T15:04:05.006'],
    ['yyyyMMddHHmmss', '20240102150405'],
    ['dd/MM/yy', '02/01/24'],
    ['d/M/yyyy', '2/1/2024'],
    ['MMM MMMM', 'Jan January'],
    ['EEE EEEE', 'Tue Tuesday'],
    ['hh:mm a', '03:04 PM'],
    ['h:mm aaa', '3:04 PM'],
    ['k K H', '15 3 15'],
    ['D DDD', '2 002'],
    ['u', '2'],
    ['G', 'AD'],
    ['S', '6'],
    ['SS', '06'],
    ['SSSS', '0006'],
    ['F', '1'],
    ['W', '1'],
    ['w', '1'],
  ])('%s → %s', (pattern, expected) => {
    expect(formatJavaDate(TUESDAY, pattern)).toBe(expected);
  });

  it('counts the week of the month and the day of week in month as Java does', () => {
    // 7 January 2024 is the first Sunday: a new week (weeks start on Sunday) but still the first Sunday.
    expect(formatJavaDate(SUNDAY, 'W F u')).toBe('2 1 7');
    expect(formatJavaDate(new Date(2024, 0, 15), 'F')).toBe('3');
  });

  it('passes quoted text through and reads two quotes as one', () => {
    expect(formatJavaDate(TUESDAY, "'at' HH 'o''clock'")).toBe("at 15 o'clock");
    expect(formatJavaDate(TUESDAY, "''yy''")).toBe("'24'");
  });

  it('passes punctuation through', () => {
    expect(formatJavaDate(TUESDAY, 'yyyy/MM/dd, HH-mm')).toBe('2024/01/02, 15-04');
  });

  it('prints Z as the RFC 822 offset', () => {
    expect(formatJavaDate(TUESDAY, 'Z')).toBe(rfc822Offset(TUESDAY));
    expect(formatJavaDate(TUESDAY, 'yyyy-MM-dd HH:mm:ssZ')).toBe(`2024-01-02 15:04:05${rfc822Offset(TUESDAY)}`);
  });

  it('prints XXX as an ISO offset (Z for UTC)', () => {
    const offset = rfc822Offset(TUESDAY);
    const expected = offset === '+0000' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(3)}`;
    expect(formatJavaDate(TUESDAY, 'XXX')).toBe(expected);
  });
});

describe('defaultJavaDate', () => {
  it("is the JVM's English short date-time format", () => {
    expect(defaultJavaDate(TUESDAY)).toBe('1/2/24 3:04 PM');
    expect(defaultJavaDate(new Date(2023, 10, 30, 0, 5))).toBe('11/30/23 12:05 AM');
  });
});
