/**
 * Numbers read straight from the bytes of a text line, fields separated as splitFields() separates
 * them (runs of space, comma and tab): for the large inputs (kinship matrices, BIMBAM genotypes),
 * where a string per line and per field kept the garbage collector busy. Separators are ASCII, which
 * never occurs inside a UTF-8 sequence, so splitting the bytes splits the text.
 */

export const TAB = 9;
export const SPACE = 32;
export const COMMA = 44;
/** 10^k for k = 0..22, every one exact in a double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Where the field parseField() last read ends (the first separator or line end after it): a module
 * variable rather than a returned pair, so that reading a million numbers allocates nothing.
 */
export let fieldEnd = 0;

/**
 * Number() of the field starting at text[start] (not a separator), which runs to the next space, comma or tab
 * or to `end`; sets fieldEnd. A plain decimal ([+-]digits[.digits][e[+-]digits]) with at most 16 significant
 * digits and a power of ten within 10^+-22 is parsed as it is scanned: the integer of its digits and the power
 * are both exact doubles, so one multiplication or division rounds correctly, as Number() does. Anything else
 * goes to Number() itself. text[end] is a line end or past the text, never part of a number.
 */
export function parseField(text: Buffer, start: number, end: number): number {
  let i = start;
  let c = text[i];
  const negative = c === 45;
  if (negative || c === 43) c = text[++i];
  let mantissa = 0;
  let digits = 0;
  let power = 0;
  let exact = true;
  while (c >= 48 && c <= 57) {
    if (mantissa < 9e14) mantissa = mantissa * 10 + (c - 48);
    else exact = false;
    digits++;
    c = text[++i];
  }
  if (c === 46) {
    c = text[++i];
    while (c >= 48 && c <= 57) {
      if (mantissa < 9e14) mantissa = mantissa * 10 + (c - 48);
      else exact = false;
      power--;
      digits++;
      c = text[++i];
    }
  }
  if (digits > 0 && (c === 101 || c === 69)) {
    c = text[++i];
    const negativeExponent = c === 45;
    if (negativeExponent || c === 43) c = text[++i];
    let exponent = 0;
    let exponentDigits = 0;
    while (c >= 48 && c <= 57) {
      if (exponent < 10000) exponent = exponent * 10 + (c - 48);
      exponentDigits++;
      c = text[++i];
    }
    if (exponentDigits === 0) exact = false;
    power += negativeExponent ? -exponent : exponent;
  }
  if (exact && digits > 0 && (i === end || c === SPACE || c === TAB || c === COMMA)) {
    fieldEnd = i;
    if (mantissa === 0) return negative ? -0 : 0;
    if (power >= 0 && power <= 22) return negative ? -(mantissa * POW10[power]) : mantissa * POW10[power];
    if (power < 0 && power >= -22) return negative ? -(mantissa / POW10[-power]) : mantissa / POW10[-power];
  }
  while (i < end && c !== SPACE && c !== TAB && c !== COMMA) c = text[++i];
  fieldEnd = i;
  return Number(text.toString('utf8', start, i));
}

/** The end of the field starting at text[start]: the next space, comma or tab, or `end`. */
export function skipField(text: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = text[i];
    if (c === SPACE || c === TAB || c === COMMA) break;
    i++;
  }
  return i;
}

/** The start of the next field at or after text[start] (past any separators), or `end` when none. */
export function skipSeparators(text: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = text[i];
    if (c !== SPACE && c !== TAB && c !== COMMA) break;
    i++;
  }
  return i;
}
