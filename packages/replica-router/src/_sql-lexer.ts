/**
 * Character-level pieces of the PostgreSQL-dialect SQL tokenizer shared by {@link classifySql} and
 * {@link transactionEffect}: character classes and skipping of literals, comments and dollar quotes.
 * @internal
 */

/** ASCII upper-case letters folded to lower case; other codes unchanged. */
export function foldCode(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** Whether `s[start, end)` equals the lower-case `word` ignoring ASCII case. */
export function equalsFolded(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (foldCode(s.charCodeAt(start + i)) !== word.charCodeAt(i)) return false;
  return true;
}

// ---- character classes ------------------------------------------------------------------------

/** Letter, underscore or non-ASCII: may start an unquoted identifier. */

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

/** May continue an unquoted identifier (adds digits and `$`). */
export function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/** ASCII white space. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Returned by the skip functions for an unterminated literal, comment or dollar quote. */
export const UNPARSABLE = -1;

/**
 * Index just past the white space or comment (`-- …` to end of line, nested `/* … *\/`) starting at `i`;
 * `i` itself when `s[i]` starts neither; {@link UNPARSABLE} for an unterminated block comment.
 */
export function skipTrivia(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (isSpace(c)) return i + 1;
  const n = s.length;
  if (c === 45 && i + 1 < n && s.charCodeAt(i + 1) === 45) {
    const nl = s.indexOf('\n', i + 2);
    return nl < 0 ? n : nl + 1;
  }
  if (c === 47 && i + 1 < n && s.charCodeAt(i + 1) === 42) return skipBlockComment(s, i);
  return i;
}

/** Index just past a `'…'` literal that starts at `i` (the quote); backslash escapes when `escapes`. */
export function skipQuoted(s: string, i: number, quote: number, escapes: boolean): number {
  const n = s.length;
  i++;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (escapes && c === 92) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (i + 1 < n && s.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return UNPARSABLE;
}

/** Index just past a nested block comment starting at `i` (the slash). */
export function skipBlockComment(s: string, i: number): number {
  const n = s.length;
  let depth = 1;
  i += 2;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 47 && i + 1 < n && s.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (c === 42 && i + 1 < n && s.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return UNPARSABLE;
}

/**
 * If a dollar quote opens at `i` (`$$` or `$tag$`), the index just past its closing delimiter;
 * `UNPARSABLE` when unterminated; `i` itself when this `$` does not open a dollar quote (e.g. `$1`).
 */
export function skipDollarQuoted(s: string, i: number): number {
  const n = s.length;
  let j = i + 1;
  if (j < n && s.charCodeAt(j) !== 36) {
    if (!isIdentStart(s.charCodeAt(j))) return i;
    j++;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 36) break;
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128 || (c >= 48 && c <= 57))) return i;
      j++;
    }
    if (j >= n) return i;
  }
  if (j >= n) return i;
  // delimiter is s[i..j] inclusive
  const tagLen = j - i + 1;
  let k = j + 1;
  while (k < n) {
    const close = s.indexOf('$', k);
    if (close < 0) return UNPARSABLE;
    if (close + tagLen <= n && sameRange(s, i, close, tagLen)) return close + tagLen;
    k = close + 1;
  }
  return UNPARSABLE;
}

/** Whether `len` characters at `a` and at `b` are equal. */
export function sameRange(s: string, a: number, b: number, len: number): boolean {
  for (let x = 0; x < len; x++) if (s.charCodeAt(a + x) !== s.charCodeAt(b + x)) return false;
  return true;
}
