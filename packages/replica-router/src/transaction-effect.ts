import { equalsFolded, isIdentPart, isIdentStart, isSpace, skipDollarQuoted, skipQuoted, skipTrivia, UNPARSABLE } from './_sql-lexer.js';

/**
 * What a SQL text leaves an explicit transaction as, by its last transaction-control statement
 * (see {@link transactionEffect}): `'open'` (a transaction is open after it), `'close'` (none is) or
 * `'none'` (the text controls no transaction: the state before it stands).
 */
export type TransactionEffect = 'open' | 'close' | 'none';

const W_OTHER = 0;
const W_BEGIN = 1;
const W_START = 2;
const W_TRANSACTION = 3;
const W_COMMIT = 4;
const W_END = 5;
const W_ABORT = 6;
const W_ROLLBACK = 7;
const W_PREPARED = 8;
const W_PREPARE = 9;
const W_TO = 10;
const W_AND = 11;
const W_NO = 12;
const W_CHAIN = 13;
const W_ATOMIC = 14;
const W_CASE = 15;
const W_SAVEPOINT = 16;
const W_RELEASE = 17;
const W_SET = 18;

const WORDS: ReadonlyArray<readonly [string, number]> = [
  ['begin', W_BEGIN],
  ['start', W_START],
  ['transaction', W_TRANSACTION],
  ['commit', W_COMMIT],
  ['end', W_END],
  ['abort', W_ABORT],
  ['rollback', W_ROLLBACK],
  ['prepared', W_PREPARED],
  ['prepare', W_PREPARE],
  ['to', W_TO],
  ['and', W_AND],
  ['no', W_NO],
  ['chain', W_CHAIN],
  ['atomic', W_ATOMIC],
  ['case', W_CASE],
  ['savepoint', W_SAVEPOINT],
  ['release', W_RELEASE],
  ['set', W_SET],
];

function wordOf(s: string, start: number, end: number): number {
  if (end - start > 11) return W_OTHER;
  for (let k = 0; k < WORDS.length; k++) {
    const e = WORDS[k] as readonly [string, number];
    if (equalsFolded(s, start, end, e[0])) return e[1];
  }
  return W_OTHER;
}

const E_NONE = 0;
const E_OPEN = 1;
const E_CLOSE = 2;
/** Bit set in {@link scan}'s result when every statement of the text is transaction control. */
const CONTROL_ONLY = 4;

/**
 * What `sql` (one statement or several separated by `;`) does to an explicit transaction: the effect of
 * its last transaction-control statement. `BEGIN` and `START TRANSACTION` open one; `COMMIT`, `END`,
 * `ROLLBACK`, `ABORT` and `PREPARE TRANSACTION` close it, except that `… AND CHAIN` opens the next one at
 * once; `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `COMMIT PREPARED` and `ROLLBACK PREPARED` leave the state
 * as it was. Literals, comments, quoted identifiers, dollar-quoted bodies (`DO $$ BEGIN … END $$`) and
 * the statements inside a `BEGIN ATOMIC … END` function body are skipped.
 *
 * A text the tokenizer cannot parse (an unterminated literal or comment) is `'none'`: PostgreSQL parses
 * the whole text before it runs any statement of it, so such a text runs nothing.
 *
 * A connection pool uses it to refuse texts that would leave a pooled connection inside a transaction
 * (`"BEGIN; INSERT …"`), and a session to pin its connection while a transaction is open (PostgreSQL
 * docs, "Multiple Statements in a Simple Query", §55.2.2.1).
 *
 * @param sql - the query text.
 * @returns `'open'`, `'close'` or `'none'`.
 * @throws {TypeError} when `sql` is not a string.
 * @example
 * ```ts
 * import { transactionEffect } from '@scaling/replica-router';
 * transactionEffect("BEGIN; INSERT INTO t VALUES (1)"); // 'open'
 * transactionEffect('BEGIN; INSERT INTO t VALUES (1); COMMIT'); // 'close'
 * transactionEffect('SELECT 1'); // 'none'
 * ```
 */
export function transactionEffect(sql: string): TransactionEffect {
  if (typeof sql !== 'string') throw new TypeError(`Expected \`sql\` to be a string, got ${typeof sql}`);
  const effect = scan(sql) & 3;
  return effect === E_OPEN ? 'open' : effect === E_CLOSE ? 'close' : 'none';
}

/**
 * Whether every statement of `sql` is transaction control — `BEGIN`, `START TRANSACTION`, `COMMIT`,
 * `END`, `ROLLBACK` (also `TO SAVEPOINT`), `ABORT`, `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`,
 * `COMMIT/ROLLBACK PREPARED`, `SET TRANSACTION` — so the text does no work of its own (a pinned
 * transaction of only such texts has written nothing). Same tokenizer as {@link transactionEffect}; an
 * empty or unparsable text is `false`.
 *
 * @throws {TypeError} when `sql` is not a string.
 * @example
 * ```ts
 * import { isTransactionControlOnly } from '@scaling/replica-router';
 * isTransactionControlOnly('BEGIN; SAVEPOINT a'); // true
 * isTransactionControlOnly('BEGIN; INSERT INTO t VALUES (1)'); // false
 * ```
 */
export function isTransactionControlOnly(sql: string): boolean {
  if (typeof sql !== 'string') throw new TypeError(`Expected \`sql\` to be a string, got ${typeof sql}`);
  return (scan(sql) & CONTROL_ONLY) !== 0;
}

/** The effect of `sql`'s last transaction-control statement (`E_*`), plus {@link CONTROL_ONLY}. */
function scan(sql: string): number {
  const n = sql.length;
  let effect = E_NONE; // effect of the last transaction-control statement so far
  let statements = 0;
  let controlOnly = true; // every statement so far is transaction control
  let atomic = false; // inside a BEGIN ATOMIC … END body
  let caseDepth = 0; // CASE … END nesting inside that body
  // per statement
  let tokens = 0;
  let first = W_OTHER;
  let second = W_OTHER;
  let prev = W_OTHER;
  let sawTo = false;
  let chain = false;
  let ignore = false; // part of a BEGIN ATOMIC body
  let i = 0;
  while (i <= n) {
    const c = i < n ? sql.charCodeAt(i) : 59; // virtual ';' at the end
    if (c === 59) {
      if (tokens > 0 && !ignore && !atomic) {
        statements++;
        if (
          !(
            first === W_BEGIN ||
            first === W_COMMIT ||
            first === W_END ||
            first === W_ABORT ||
            first === W_ROLLBACK ||
            first === W_SAVEPOINT ||
            first === W_RELEASE ||
            ((first === W_START || first === W_PREPARE || first === W_SET) && second === W_TRANSACTION)
          )
        )
          controlOnly = false;
        let e = E_NONE;
        if (first === W_BEGIN || (first === W_START && second === W_TRANSACTION)) e = E_OPEN;
        else if (first === W_COMMIT || first === W_END || first === W_ABORT || first === W_ROLLBACK) {
          if (second === W_PREPARED || (first === W_ROLLBACK && sawTo)) e = E_NONE;
          else e = chain ? E_OPEN : E_CLOSE;
        } else if (first === W_PREPARE && second === W_TRANSACTION) e = E_CLOSE;
        if (e !== E_NONE) effect = e;
      }
      tokens = 0;
      first = W_OTHER;
      second = W_OTHER;
      prev = W_OTHER;
      sawTo = false;
      chain = false;
      ignore = atomic;
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
      if (next === UNPARSABLE) return E_NONE;
      i = next;
      continue;
    }
    let w = W_OTHER;
    if (c === 39 || c === 34) {
      i = skipQuoted(sql, i, c, false);
      if (i === UNPARSABLE) return E_NONE;
    } else if (c === 36) {
      const j = skipDollarQuoted(sql, i);
      if (j === UNPARSABLE) return E_NONE;
      i = j !== i ? j : i + 1;
    } else if (isIdentStart(c)) {
      const start = i;
      i++;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      if (i < n && i - start === 1 && sql.charCodeAt(i) === 39) {
        // E'…' (escapes), B'…', X'…', N'…'
        i = skipQuoted(sql, i, 39, (c | 0x20) === 101);
        if (i === UNPARSABLE) return E_NONE;
      } else if (
        i + 1 < n &&
        i - start === 1 &&
        (c | 0x20) === 117 &&
        sql.charCodeAt(i) === 38 &&
        (sql.charCodeAt(i + 1) === 39 || sql.charCodeAt(i + 1) === 34)
      ) {
        i = skipQuoted(sql, i + 1, sql.charCodeAt(i + 1), false);
        if (i === UNPARSABLE) return E_NONE;
      } else w = wordOf(sql, start, i);
    } else i++;
    tokens++;
    if (tokens === 1) first = w;
    else if (tokens === 2) second = w;
    if (atomic) {
      if (w === W_CASE) caseDepth++;
      else if (w === W_END) {
        if (caseDepth > 0) caseDepth--;
        else atomic = false;
      }
    } else if (w === W_ATOMIC && prev === W_BEGIN && tokens > 2) {
      // CREATE FUNCTION … BEGIN ATOMIC: the body's statements up to its END are not transaction control
      atomic = true;
      ignore = true;
      controlOnly = false; // the CREATE FUNCTION … BEGIN ATOMIC statement itself
      caseDepth = 0;
    }
    if (w === W_TO) sawTo = true;
    else if (w === W_CHAIN) chain = prev === W_AND;
    prev = w;
  }
  return effect | (controlOnly && statements > 0 ? CONTROL_ONLY : 0);
}
