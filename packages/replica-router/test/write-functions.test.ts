// Issue "Existing packages: the faults …", point 10 (kind: a function that writes, called through
// SELECT, is routed to a replica). Sweeps every built-in write function and prefix, in every calling
// form, and application functions declared as in pgpool-II's `write_function_list`.
import { describe, expect, it } from 'vitest';
import { classifySql, SQL_WRITE_FUNCTION_PREFIXES, SQL_WRITE_FUNCTIONS, SqlClassifier } from '../src/index.js';

/** The ways a function is called in a statement that would otherwise be a read. */
const forms = (f: string): string[] => [
  `SELECT ${f}(1)`,
  `select ${f.toUpperCase()} ( 1 )`,
  `SELECT * FROM ${f}(1)`,
  `SELECT "${f}"(1)`,
  `SELECT pg_catalog.${f}(1)`,
  `WITH x AS (SELECT ${f}(1)) SELECT * FROM x`,
  `SELECT 1 WHERE ${f} /* comment */ (2) IS NOT NULL`,
];

describe('built-in functions that write are writes (PostgreSQL 15 docs)', () => {
  const names = [...SQL_WRITE_FUNCTIONS, ...SQL_WRITE_FUNCTION_PREFIXES.map((p) => `${p}x`)];
  it.each(names)('%s', (f) => {
    for (const sql of forms(f)) expect(classifySql(sql), sql).toBe('write');
  });

  it('covers the functions named in the issue', () => {
    for (const f of [
      'pg_logical_emit_message',
      'nextval',
      'setval',
      'pg_advisory_lock',
      'pg_advisory_xact_lock_shared',
      'pg_advisory_unlock_all',
      'pg_try_advisory_lock',
      'pg_try_advisory_xact_lock',
      'brin_summarize_new_values',
      'brin_summarize_range',
      'gin_clean_pending_list',
      'pg_create_physical_replication_slot',
      'pg_create_logical_replication_slot',
      'pg_drop_replication_slot',
      'pg_replication_slot_advance',
      'pg_switch_wal',
      'pg_notify',
      'set_config',
      'lo_create',
      'lo_import',
      'lo_unlink',
      'lo_put',
      'lo_from_bytea',
      'txid_current',
      'pg_current_xact_id',
    ])
      expect(classifySql(`SELECT ${f}(1)`), f).toBe('write');
  });

  it('a write function name inside a literal, a comment or a column name is not a call', () => {
    expect(classifySql("SELECT 'nextval(1)' AS t")).toBe('read');
    expect(classifySql('SELECT 1 /* pg_advisory_lock(1) */')).toBe('read');
    expect(classifySql('SELECT nextval FROM t')).toBe('read');
    expect(classifySql('SELECT currval_label FROM t')).toBe('read');
  });
});

describe('application functions declared with writeFunctions (pgpool-II write_function_list)', () => {
  const writeFunctions = ['app_enqueue', /^audit_/];

  it.each([
    'SELECT app_enqueue($1)',
    'SELECT APP_ENQUEUE($1)',
    'SELECT jobs.app_enqueue($1)',
    'SELECT * FROM app_enqueue($1)',
    'SELECT audit_login($1, $2)',
    'SELECT x FROM t WHERE audit_touch(t.id)',
  ])('%s is a write', (sql) => {
    expect(classifySql(sql, writeFunctions)).toBe('write');
    expect(new SqlClassifier({ writeFunctions }).classify(sql)).toBe('write');
    expect(classifySql(sql)).toBe('read'); // undeclared, it looks like a read
  });

  it.each([
    "SELECT 'app_enqueue(1)'",
    'SELECT app_enqueue_count FROM stats',
    'SELECT my_audit_view(1)',
    'SELECT "AUDIT_x"(1)', // quoted: case kept, the RegExp is case-sensitive
  ])('%s stays a read', (sql) => {
    expect(classifySql(sql, writeFunctions)).toBe('read');
  });

  it('a global or sticky RegExp matches every time (no lastIndex state)', () => {
    const c = new SqlClassifier({ writeFunctions: [/^audit_/gy], maxEntries: 0 });
    for (let i = 0; i < 3; i++) expect(c.classify('SELECT audit_x(1)')).toBe('write');
  });

  it('rejects entries that are not names or RegExps, naming the entry', () => {
    expect(() => new SqlClassifier({ writeFunctions: [42 as unknown as string] })).toThrow(/`writeFunctions\[0\]`/);
    expect(() => new SqlClassifier({ writeFunctions: [''] })).toThrow(TypeError);
    expect(() => new SqlClassifier({ writeFunctions: 'app_enqueue' as unknown as string[] })).toThrow(/`writeFunctions`/);
    expect(() => classifySql('SELECT 1', [null as unknown as string])).toThrow(TypeError);
  });
});
