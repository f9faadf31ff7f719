/**
 * SQL read/write classification with a real (PostgreSQL-dialect) tokenizer: comments (nested block
 * comments too), string literals (standard, `E'…'` with backslash escapes, `U&'…'`, `B'…'`, `X'…'`),
 * quoted identifiers, dollar quoting (`$$…$$`, `$tag$…$tag$`), parameters (`$1`), parentheses,
 * any letter case and several statements separated by `;`.
 *
 * Words are matched against keyword tables by a case-folded hash and a character compare, so classifying
 * allocates nothing.
 */

import {
  equalsFolded,
  foldCode,
  isIdentPart,
  isIdentStart,
  isSpace,
  skipDollarQuoted,
  skipQuoted,
  skipTrivia,
  UNPARSABLE,
} from './_sql-lexer.js';
import {
  compileWriteFunctions,
  isUserWriteFunction,
  SQL_WRITE_FUNCTION_PREFIXES,
  SQL_WRITE_FUNCTIONS,
  type WriteFunctionMatcher,
  type WriteFunctionPattern,
} from './sql-write-functions.js';

/** What {@link classifySql} decides: `'read'` may go to a replica, `'write'` must go to the primary. */
export type SqlClass = 'read' | 'write';

// Keyword ids. The tables below map a case-folded word to one of these.
const K_NONE = 0;
// statements that may read (first word of a statement)
const K_SELECT = 1;
const K_WITH = 2;
const K_VALUES = 3;
const K_TABLE = 4;
const K_SHOW = 5;
const K_EXPLAIN = 6;
const K_COPY = 7;
// words that change the class wherever they appear
const K_WRITE = 8;
// words that matter in context
const K_FOR = 9;
const K_UPDATE = 10;
const K_SHARE = 11;
const K_KEY = 12;
const K_NO = 13;
const K_ANALYZE = 14;
const K_TO = 15;
const K_FROM = 16;
const K_INTO = 17;

/**
 * Words that make any statement a write wherever they stand outside literals, comments and quoted
 * identifiers. A column named like one of them (`cluster`, `refresh`) sends the query to the primary:
 * the safe direction.
 */
export const SQL_WRITE_KEYWORDS: readonly string[] = [
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'TRUNCATE',
  'INTO',
  'CREATE',
  'DROP',
  'ALTER',
  'GRANT',
  'REVOKE',
  'VACUUM',
  'REINDEX',
  'CLUSTER',
  'REFRESH',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
];

// ---- case-folded word hashing and lookup tables ------------------------------------------------

function hashRange(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ foldCode(s.charCodeAt(i)), 0x01000193);
  return h >>> 0;
}

/** hash → list of [lower-case word, id]; collisions are resolved by the character compare. */
type Table = Map<number, Array<[string, number]>>;

function buildTable(entries: ReadonlyArray<readonly [string, number]>): Table {
  const t: Table = new Map();
  for (const [w, id] of entries) {
    const lw = w.toLowerCase();
    const h = hashRange(lw, 0, lw.length);
    const list = t.get(h);
    if (list) list.push([lw, id]);
    else t.set(h, [[lw, id]]);
  }
  return t;
}

function lookup(t: Table, s: string, start: number, end: number): number {
  const list = t.get(hashRange(s, start, end));
  return list === undefined ? K_NONE : findIn(list, s, start, end);
}

function findIn(list: Array<[string, number]>, s: string, start: number, end: number): number {
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as [string, number];
    if (equalsFolded(s, start, end, e[0])) return e[1];
  }
  return K_NONE;
}

const KEYWORDS: Table = buildTable([
  ['SELECT', K_SELECT],
  ['WITH', K_WITH],
  ['VALUES', K_VALUES],
  ['TABLE', K_TABLE],
  ['SHOW', K_SHOW],
  ['EXPLAIN', K_EXPLAIN],
  ['COPY', K_COPY],
  ...SQL_WRITE_KEYWORDS.filter((w) => w !== 'UPDATE' && w !== 'INTO').map((w) => [w, K_WRITE] as const),
  ['FOR', K_FOR],
  ['UPDATE', K_UPDATE],
  ['SHARE', K_SHARE],
  ['KEY', K_KEY],
  ['NO', K_NO],
  ['ANALYZE', K_ANALYZE],
  ['ANALYSE', K_ANALYZE],
  ['TO', K_TO],
  ['FROM', K_FROM],
  ['INTO', K_INTO],
]);

/** Longest keyword, and a bit per ASCII letter that starts one: most identifiers skip the table. */
let KEYWORD_MAX = 0;
let KEYWORD_FIRST = 0;
for (const list of KEYWORDS.values()) {
  for (const [w] of list) {
    if (w.length > KEYWORD_MAX) KEYWORD_MAX = w.length;
    KEYWORD_FIRST |= 1 << (w.charCodeAt(0) - 97);
  }
}

function keywordOf(s: string, start: number, end: number): number {
  if (end - start > KEYWORD_MAX) return K_NONE;
  const f = foldCode(s.charCodeAt(start)) - 97;
  if (f < 0 || f > 25 || (KEYWORD_FIRST & (1 << f)) === 0) return K_NONE;
  return lookup(KEYWORDS, s, start, end);
}

const FUNCTIONS: Table = buildTable(SQL_WRITE_FUNCTIONS.map((f) => [f, 1] as const));

function isWriteFunction(s: string, start: number, end: number): boolean {
  if (lookup(FUNCTIONS, s, start, end) !== K_NONE) return true;
  for (let p = 0; p < SQL_WRITE_FUNCTION_PREFIXES.length; p++) {
    const pre = SQL_WRITE_FUNCTION_PREFIXES[p] as string;
    if (end - start < pre.length) continue;
    let ok = true;
    for (let i = 0; i < pre.length; i++) {
      if (foldCode(s.charCodeAt(start + i)) !== pre.charCodeAt(i)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

/**
 * Classifies SQL text as `'read'` (safe on a hot-standby replica and free of side effects) or `'write'`.
 *
 * Reads are statements that start with SELECT, WITH (whose CTEs only select), VALUES, TABLE, SHOW,
 * EXPLAIN without ANALYZE, or COPY … TO. Everything else is a write, including SELECT … FOR UPDATE /
 * NO KEY UPDATE / SHARE / KEY SHARE, data-modifying CTEs, SELECT … INTO, calls of sequence,
 * advisory-lock and notification functions ({@link SQL_WRITE_FUNCTIONS}), LISTEN/NOTIFY, CALL/DO,
 * SET, maintenance commands, transaction control and anything the tokenizer cannot parse (an
 * unterminated literal or comment, an empty text). Text with several statements is a read only when
 * each of them is. Any {@link SQL_WRITE_KEYWORDS} word outside literals, comments and quoted
 * identifiers makes the text a write.
 *
 * The rule set follows the statements a PostgreSQL hot standby accepts (PostgreSQL docs, "Hot Standby",
 * §27.4.1) and GitLab's database load balancer's read/write split, but errs to the primary.
 *
 * @param sql - the query text.
 * @param writeFunctions - application functions that write (see {@link WriteFunctionPattern}); for
 * repeated use give them to a {@link SqlClassifier}, which compiles them once.
 * @returns `'read'` or `'write'`.
 * @throws {TypeError} when `sql` is not a string, or `writeFunctions` is not an array of names and RegExps.
 * @example
 * ```ts
 * import { classifySql } from '@scaling/replica-router';
 * classifySql('SELECT * FROM users WHERE id = $1'); // 'read'
 * classifySql('WITH moved AS (DELETE FROM q RETURNING *) SELECT * FROM moved'); // 'write'
 * classifySql("SELECT nextval('ids')"); // 'write'
 * ```
 */
export function classifySql(sql: string, writeFunctions?: readonly WriteFunctionPattern[]): SqlClass {
  if (typeof sql !== 'string') throw new TypeError(`Expected \`sql\` to be a string, got ${typeof sql}`);
  return classify(sql, compileWriteFunctions('writeFunctions', writeFunctions));
}

/** {@link classifySql} with compiled `writeFunctions`. @internal */
export function classify(sql: string, user: WriteFunctionMatcher | undefined): SqlClass {
  const n = sql.length;
  let i = 0;
  let statements = 0;
  // per-statement state
  let first = K_NONE; // first keyword of the statement
  let words = 0; // words seen in the statement
  let prev = K_NONE; // previous keyword (for FOR UPDATE / FOR SHARE / FOR KEY SHARE / FOR NO KEY UPDATE)
  let depth = 0; // parenthesis depth
  let copyDirection = K_NONE; // first TO/FROM at depth 0 of a COPY
  let tokens = 0; // tokens in the statement (to tell an empty statement)

  while (i <= n) {
    const c = i < n ? sql.charCodeAt(i) : 59; // virtual ';' at the end
    if (c === 59) {
      // end of a statement
      if (tokens > 0) {
        if (depth !== 0) return 'write';
        if (first === K_NONE) return 'write';
        if (first === K_COPY && copyDirection !== K_TO) return 'write';
        statements++;
      }
      first = K_NONE;
      words = 0;
      prev = K_NONE;
      depth = 0;
      copyDirection = K_NONE;
      tokens = 0;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    // comments (only `-` and `/` can start one)
    const next = c === 45 || c === 47 ? skipTrivia(sql, i) : i;
    if (next !== i) {
      if (next === UNPARSABLE) return 'write';
      i = next;
      continue;
    }
    tokens++;
    if (c === 39) {
      i = skipQuoted(sql, i, 39, false);
      if (i === UNPARSABLE) return 'write';
      prev = K_NONE;
      continue;
    }
    if (c === 34) {
      // quoted identifier: never a keyword, but "nextval"(…) is still a function call
      const start = i + 1;
      i = skipQuoted(sql, i, 34, false);
      if (i === UNPARSABLE) return 'write';
      if (words === 0) return 'write';
      words++;
      if (
        nextNonSpace(sql, i) === 40 &&
        (isWriteFunction(sql, start, i - 1) || (user !== undefined && isUserWriteFunction(user, sql, start, i - 1, true)))
      )
        return 'write';
      prev = K_NONE;
      continue;
    }
    if (c === 36) {
      const j = skipDollarQuoted(sql, i);
      if (j === UNPARSABLE) return 'write';
      if (j !== i) {
        i = j;
        prev = K_NONE;
        continue;
      }
      // a parameter ($1) or a stray dollar
      i++;
      while (i < n && sql.charCodeAt(i) >= 48 && sql.charCodeAt(i) <= 57) i++;
      prev = K_NONE;
      continue;
    }
    if (c === 40) {
      depth++;
      i++;
      prev = K_NONE;
      continue;
    }
    if (c === 41) {
      depth--;
      if (depth < 0) return 'write';
      i++;
      prev = K_NONE;
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      i++;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      // prefixed string literals: E'…' (escapes), U&'…', B'…', X'…', N'…'
      if (i < n && i - start === 1 && sql.charCodeAt(i) === 39) {
        const p = c | 0x20;
        i = skipQuoted(sql, i, 39, p === 101);
        if (i === UNPARSABLE) return 'write';
        prev = K_NONE;
        continue;
      }
      if (i + 1 < n && i - start === 1 && (c | 0x20) === 117 && sql.charCodeAt(i) === 38) {
        const q = sql.charCodeAt(i + 1);
        if (q === 39 || q === 34) {
          i = skipQuoted(sql, i + 1, q, false);
          if (i === UNPARSABLE) return 'write';
          prev = K_NONE;
          continue;
        }
      }
      const k = keywordOf(sql, start, i);
      if (words === 0) {
        if (k < K_SELECT || k > K_COPY) return 'write';
        first = k;
      }
      words++;
      switch (k) {
        case K_WRITE:
        case K_UPDATE:
        case K_INTO:
          return 'write';
        case K_SHARE:
        case K_KEY:
        case K_NO:
          if (prev === K_FOR) return 'write';
          break;
        case K_ANALYZE:
          if (first === K_EXPLAIN) return 'write';
          break;
        case K_TO:
        case K_FROM:
          if (first === K_COPY && depth === 0 && copyDirection === K_NONE) copyDirection = k;
          break;
        case K_NONE:
          if (
            nextNonSpace(sql, i) === 40 &&
            (isWriteFunction(sql, start, i) || (user !== undefined && isUserWriteFunction(user, sql, start, i, false)))
          )
            return 'write';
          break;
      }
      prev = k;
      continue;
    }
    // numbers, operators, punctuation
    if (words === 0) return 'write';
    prev = K_NONE;
    i++;
  }
  return statements > 0 ? 'read' : 'write';
}

/** Char code of the next character at or after `i` that is not white space or inside a comment, or -1. */
function nextNonSpace(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const next = skipTrivia(s, i);
    if (next === UNPARSABLE) return -1;
    if (next === i) return s.charCodeAt(i);
    i = next;
  }
  return -1;
}
