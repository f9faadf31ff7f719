import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifySql, SQL_WRITE_KEYWORDS } from '../src/index.js';

/** Whole tokens; a statement is any sequence of them (most are not valid SQL, which is the point). */
const token = fc.constantFrom(
  'SELECT',
  'select',
  'FROM',
  't',
  'users',
  'WHERE',
  'a',
  '=',
  '1',
  '2.5',
  '(',
  ')',
  ',',
  '*',
  "'x'",
  "'it''s'",
  "E'a\\'b'",
  '$$ DELETE FROM t $$',
  '$q$ INSERT $q$',
  '"update"',
  'FOR',
  'UPDATE',
  'SHARE',
  'KEY',
  'VALUES',
  'WITH',
  'AS',
  'nextval',
  'count',
  ';',
  'EXPLAIN',
  'ANALYZE',
  'COPY',
  'TO',
  'STDOUT',
  'SHOW',
  'TABLE',
  '$1',
  '::',
  'text',
  'INTO',
  'ORDER',
  'BY',
);

/** Comment bodies may hold anything but the comment's own terminators. */
const commentText = fc.stringMatching(/^[a-zA-Z0-9 ;'"$()*-]{0,12}$/).filter((s) => !s.includes('*/') && !s.includes('/*'));
const separator = fc.oneof(
  fc.constantFrom(' ', '  ', '\n', '\t', ' \r\n '),
  commentText.map((c) => ` /*${c}*/ `),
  fc.tuple(commentText, commentText).map(([a, b]) => ` /* ${a} /* ${b} */ ${a} */ `),
  commentText.map((c) => ` --${c}\n`),
);

const readStatement = fc.constantFrom(
  'SELECT 1',
  'SELECT a, b FROM t WHERE a = $1',
  'WITH x AS (SELECT 1) SELECT * FROM x',
  'VALUES (1)',
  'TABLE t',
  'SHOW work_mem',
  'EXPLAIN SELECT * FROM t',
);

function randomCase(s: string, flips: boolean[]): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    out += flips[i % flips.length] ? c.toLowerCase() : c.toUpperCase();
  }
  return out;
}

describe('classifySql properties', () => {
  it('comments and white space between tokens never change the class', () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 14 }),
        fc.array(separator, { minLength: 14, maxLength: 14 }),
        (tokens, seps) => {
          const plain = tokens.join(' ');
          const decorated = `${seps[0]}${tokens.map((t, i) => t + (seps[(i + 1) % seps.length] as string)).join('')}`;
          expect(classifySql(decorated)).toBe(classifySql(plain));
        },
      ),
    );
  });

  it('any statement with a write keyword outside literals and comments is a write', () => {
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 12 }),
        fc.nat(),
        fc.constantFrom(...SQL_WRITE_KEYWORDS),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (tokens, at, keyword, flips) => {
          const i = at % (tokens.length + 1);
          const withWrite = [...tokens.slice(0, i), randomCase(keyword, flips), ...tokens.slice(i)];
          expect(classifySql(withWrite.join(' '))).toBe('write');
        },
      ),
    );
  });

  it('the letter case of keywords never changes the class', () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (tokens, flips) => {
          const recased = tokens.map((t) => (/^[A-Za-z]+$/.test(t) ? randomCase(t, flips) : t));
          expect(classifySql(recased.join(' '))).toBe(classifySql(tokens.join(' ')));
        },
      ),
    );
  });

  it('literal and comment contents never change the class of a read', () => {
    fc.assert(
      fc.property(
        readStatement,
        fc.string({ maxLength: 30 }),
        fc.constantFrom('string', 'dollar', 'escape', 'comment'),
        (stmt, text, kind) => {
          let lit: string;
          if (kind === 'string') lit = `'${text.replaceAll("'", "''")}'`;
          else if (kind === 'escape') lit = `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
          else if (kind === 'dollar') lit = `$z$${text.replaceAll('$z$', '')}$z$`;
          // a comment body without '/' or '*' (they could open a nested comment or close this one)
          else lit = `/*${text.replaceAll('/', '').replaceAll('*', '')}*/ 1`;
          const sql = stmt.startsWith('SELECT') ? `SELECT ${lit}, ${stmt.slice(7)}` : `SELECT ${lit}; ${stmt}`;
          expect(classifySql(sql)).toBe('read');
        },
      ),
    );
  });
});
