/**
 * The checks GEMMA's test suites write in perl and ruby, redone here: the shell suites' checksum
 * `perl -nle 'foreach $x (split(/\s+/,$_)) { $sum += sprintf("%.2f",(substr($x,,0,6))) } END { printf "%.2f",$sum }'`
 * and dev_tests.rb's String#to_f.
 */

const LEADING_NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

/** perl's numeric value of a string: its leading number, nan or inf, else 0. */
export function perlNumber(text: string): number {
  const special = /^\s*([+-]?)(nan|inf)/i.exec(text);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const m = LEADING_NUMBER.exec(text);
  return m ? Number(m[0]) : 0;
}

/** ruby's String#to_f: the leading number, else 0 (no nan or inf). */
export function rubyFloat(text: string | undefined): number {
  const m = LEADING_NUMBER.exec(text ?? '');
  return m ? Number(m[0]) : 0;
}

/**
 * printf("%.Nf", x) as glibc prints it: the nearest N-digit decimal of the double, and an exact tie
 * (possible only for binary-exact halves such as 0.125) to the even digit, where toFixed rounds away.
 */
export function printfFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  // A tie is exactly halfway between two N-digit decimals: x = odd / (2 * 10^N), so x * 2^(N+1) is an
  // integer (multiplying by a power of two is exact), and then x * 10^N is exact below 2^52.
  const scaled = x * 10 ** digits;
  const tie =
    Number.isInteger(x * 2 ** (digits + 1)) && Math.abs(scaled) < 2 ** 52 && Math.abs(scaled % 1) === 0.5;
  if (tie) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}

/** The shell suites' perl checksum of a file's text, printed with `digits` decimals. */
export function perlChecksum(text: string, digits: number): string {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // perl's split(/\s+/) keeps a leading empty field and drops trailing ones; both add 0.
    for (const field of line.split(/\s+/)) sum += perlNumber(printfFixed(perlNumber(field.slice(0, 6)), 2));
  }
  return printfFixed(sum, digits);
}
