import { describe, expect, it } from 'vitest';
import { classifySql, type SqlClass, SqlClassifier } from '../src/index.js';

const table: Array<[SqlClass, string]> = [
  // plain reads
  ['read', 'SELECT 1'],
  ['read', 'select * from users where id = $1'],
  ['read', 'SeLeCt name FROM users ORDER BY name LIMIT 10'],
  ['read', '  \n\tSELECT 1;  '],
  ['read', 'SELECT count(*) FROM orders GROUP BY status HAVING count(*) > 1'],
  ['read', 'VALUES (1, 2), (3, 4)'],
  ['read', 'TABLE users'],
  ['read', 'SHOW search_path'],
  ['read', 'show all'],
  ['read', 'EXPLAIN SELECT * FROM users'],
  ['read', 'EXPLAIN (FORMAT JSON, COSTS OFF) SELECT 1'],
  ['read', 'WITH t AS (SELECT 1 AS x) SELECT x FROM t'],
  ['read', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r'],
  ['read', '(SELECT 1) UNION (SELECT 2)'],
  ['read', 'COPY users TO STDOUT'],
  ['read', "COPY (SELECT * FROM users WHERE created_at > now() - interval '1 day') TO STDOUT WITH (FORMAT csv)"],
  ['read', 'SELECT 1; SELECT 2;'],
  ['read', "SELECT 'INSERT INTO t VALUES (1)'"],
  ['read', "SELECT 'it''s; DELETE FROM x'"],
  ['read', "SELECT E'a\\' DELETE FROM t; '"],
  ['read', 'SELECT $$ UPDATE t SET a = 1 $$'],
  ['read', 'SELECT $fn$ DROP TABLE x; $inner$ $fn$'],
  ['read', 'SELECT "update", "insert" FROM audit'],
  ['read', 'SELECT 1 -- ; DELETE FROM t\n'],
  ['read', 'SELECT /* outer /* nested DELETE */ still comment ; UPDATE */ 1'],
  ['read', "SELECT substring('abcdef' FROM 2 FOR 3)"],
  ['read', 'SELECT a$b FROM t'],
  ['read', "SELECT U&'d\\0061t\\+000061' AS x"],
  ['read', "SELECT x'1F', b'101'"],
  ['read', 'SELECT pg_last_wal_replay_lsn()'],
  ['read', 'SELECT * FROM t WHERE a::text = $2'],
  ['read', 'SELECT now(), current_setting($1)'],
  ['read', 'select * from "Users" u join orders o on o.user_id = u.id'],
  ['read', 'SELECT array_agg(x ORDER BY x) FROM generate_series(1, 3) AS g(x)'],
  // writes
  ['write', 'INSERT INTO users (name) VALUES ($1)'],
  ['write', 'UPDATE users SET name = $1 WHERE id = $2'],
  ['write', 'DELETE FROM users WHERE id = $1'],
  ['write', 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v'],
  ['write', 'TRUNCATE users'],
  ['write', 'SELECT * FROM users WHERE id = 1 FOR UPDATE'],
  ['write', 'SELECT * FROM users FOR NO KEY UPDATE'],
  ['write', 'SELECT * FROM users FOR SHARE'],
  ['write', 'SELECT * FROM users FOR KEY SHARE SKIP LOCKED'],
  ['write', 'select * from jobs for /* hint */ share'],
  ['write', 'WITH moved AS (DELETE FROM queue RETURNING *) SELECT * FROM moved'],
  ['write', 'WITH x AS (UPDATE t SET n = n + 1 RETURNING n) SELECT n FROM x'],
  ['write', 'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x'],
  ['write', 'SELECT * INTO backup_users FROM users'],
  ['write', "SELECT nextval('user_ids')"],
  ['write', "select setval('user_ids', 10)"],
  ['write', 'SELECT pg_advisory_lock(42)'],
  ['write', 'SELECT pg_try_advisory_xact_lock(1, 2)'],
  ['write', 'SELECT pg_catalog.nextval($1)'],
  ['write', `SELECT "nextval"('s')`],
  ['write', "SELECT pg_notify('chan', 'msg')"],
  ['write', 'SELECT txid_current()'],
  ['write', 'LISTEN jobs'],
  ['write', "NOTIFY jobs, 'x'"],
  ['write', 'UNLISTEN *'],
  ['write', 'CALL do_work(1)'],
  ['write', 'DO $$ BEGIN PERFORM 1; END $$'],
  ['write', 'VACUUM ANALYZE users'],
  ['write', 'ANALYZE users'],
  ['write', 'REINDEX TABLE users'],
  ['write', 'CLUSTER users'],
  ['write', 'REFRESH MATERIALIZED VIEW stats'],
  ['write', 'CREATE TABLE t (id int)'],
  ['write', 'DROP TABLE t'],
  ['write', 'ALTER TABLE t ADD COLUMN x int'],
  ['write', 'GRANT SELECT ON t TO reader'],
  ['write', 'LOCK TABLE t IN ACCESS EXCLUSIVE MODE'],
  ['write', 'BEGIN'],
  ['write', 'COMMIT'],
  ['write', 'SET search_path TO app'],
  ['write', 'EXPLAIN ANALYZE SELECT * FROM users'],
  ['write', 'EXPLAIN (ANALYZE, BUFFERS) SELECT 1'],
  ['write', 'EXPLAIN ANALYSE DELETE FROM t'],
  ['write', 'EXPLAIN INSERT INTO t VALUES (1)'],
  ['write', 'COPY users FROM STDIN'],
  ['write', 'COPY users (id, name) FROM STDIN WITH (FORMAT csv)'],
  ['write', 'SELECT 1; DELETE FROM t'],
  ['write', 'SELECT 1; BEGIN'],
  ['write', 'PREPARE q AS SELECT 1'],
  ['write', 'EXECUTE q'],
  ['write', 'CHECKPOINT'],
  ['write', 'DISCARD ALL'],
  // cannot parse → write
  ['write', ''],
  ['write', '   ;  ; '],
  ['write', '-- only a comment'],
  ['write', "SELECT 'unterminated"],
  ['write', 'SELECT /* unterminated'],
  ['write', 'SELECT $$ unterminated'],
  ['write', 'SELECT (1'],
  ['write', 'SELECT 1)'],
  ['write', '"select" 1'],
  ['write', '42'],
];

describe('classifySql over a statement table', () => {
  it('has at least 60 statements', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
  });
  it.each(table)('%s: %s', (expected, sql) => {
    expect(classifySql(sql)).toBe(expected);
  });
  it('rejects a non-string', () => {
    expect(() => classifySql(1 as unknown as string)).toThrow(TypeError);
  });
});

describe('SqlClassifier (classifySql with a bounded memory)', () => {
  it('agrees with classifySql on every statement, first call and remembered', () => {
    const classifier = new SqlClassifier({ maxEntries: 16 });
    for (let round = 0; round < 2; round++) for (const [expected, sql] of table) expect(classifier.classify(sql)).toBe(expected);
    expect(classifier.size).toBeLessThanOrEqual(16);
  });
  it('does not remember texts over maxLength', () => {
    const classifier = new SqlClassifier({ maxLength: 10 });
    classifier.classify('SELECT 1');
    classifier.classify('SELECT * FROM a_long_table_name');
    expect(classifier.size).toBe(1);
  });
  it('rejects bad options and non-strings', () => {
    expect(() => new SqlClassifier({ maxEntries: -1 })).toThrow(RangeError);
    expect(() => new SqlClassifier({ maxLength: '1' as unknown as number })).toThrow(TypeError);
    expect(() => new SqlClassifier().classify(null as unknown as string)).toThrow(TypeError);
  });
});
