import { assertOptions } from '@scaling/core/internal';
import { classify, type SqlClass } from './classify-sql.js';
import { compileWriteFunctions, type WriteFunctionMatcher, type WriteFunctionPattern } from './sql-write-functions.js';

/** Options of {@link SqlClassifier}. */
export interface SqlClassifierOptions {
  /** Distinct statement texts remembered; when full, the memory is cleared and refilled. Default 1,024. */
  maxEntries?: number;
  /** Texts longer than this (in UTF-16 code units) are classified every time, never remembered. Default 4,096. */
  maxLength?: number;
  /**
   * Application functions that write (queue, audit, counters): a call of one makes the statement a
   * write, like the built-in {@link SQL_WRITE_FUNCTIONS}. pgpool-II's `write_function_list`, e.g.
   * `['app_enqueue', /^audit_/]`. Default none.
   */
  writeFunctions?: readonly WriteFunctionPattern[];
}

const CLASSIFIER_KNOWN = ['maxEntries', 'maxLength', 'writeFunctions'] as const;
const CLASSIFIER_HINTS: Readonly<Record<string, string>> = {
  write_function_list: 'use `writeFunctions` (names and RegExps)',
  black_function_list: 'use `writeFunctions` (names and RegExps)',
  read_only_function_list: 'not needed: functions not listed in `writeFunctions` (or built in) are reads',
  white_function_list: 'not needed: functions not listed in `writeFunctions` (or built in) are reads',
  max: 'use `maxEntries`',
  size: 'use `maxEntries`',
};

/**
 * {@link classifySql} with a bounded memory of recent statement texts. Applications send a small set of
 * parameterised texts over and over, so most calls become one `Map` lookup. When `maxEntries` texts
 * are remembered the memory is cleared (cheaper than LRU bookkeeping on every call).
 *
 * @throws {TypeError}/{@link RangeError} on a bad option.
 * @example
 * ```ts
 * import { SqlClassifier } from '@scaling/replica-router';
 * const classifier = new SqlClassifier({ maxEntries: 512 });
 * classifier.classify('SELECT * FROM users WHERE id = $1'); // 'read', tokenized once
 * ```
 */
export class SqlClassifier {
  readonly #memory = new Map<string, SqlClass>();
  readonly #maxEntries: number;
  readonly #maxLength: number;
  readonly #writeFunctions: WriteFunctionMatcher | undefined;

  constructor(options?: SqlClassifierOptions) {
    const {
      maxEntries = 1_024,
      maxLength = 4_096,
      writeFunctions,
    } = assertOptions('SqlClassifier options', options, CLASSIFIER_KNOWN, CLASSIFIER_HINTS, true);
    for (const [name, v] of [
      ['maxEntries', maxEntries],
      ['maxLength', maxLength],
    ] as const) {
      if (typeof v !== 'number') throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got ${typeof v}`);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Expected \`${name}\` to be a non-negative integer, got ${v}`);
    }
    this.#maxEntries = maxEntries;
    this.#maxLength = maxLength;
    this.#writeFunctions = compileWriteFunctions('writeFunctions', writeFunctions);
  }

  /** Classifies `sql` exactly as {@link classifySql} does (with this classifier's `writeFunctions`). @throws {TypeError} when `sql` is not a string. */
  classify(sql: string): SqlClass {
    const known = this.#memory.get(sql);
    if (known !== undefined) return known;
    if (typeof sql !== 'string') throw new TypeError(`Expected \`sql\` to be a string, got ${typeof sql}`);
    const c = classify(sql, this.#writeFunctions);
    if (sql.length <= this.#maxLength && this.#maxEntries > 0) {
      if (this.#memory.size >= this.#maxEntries) this.#memory.clear();
      this.#memory.set(sql, c);
    }
    return c;
  }

  /** Number of texts remembered. */
  get size(): number {
    return this.#memory.size;
  }
}
