import { describe, expect, it } from 'vitest';
import { type TransactionEffect, transactionEffect } from '../src/index.js';

const table: Array<[TransactionEffect, string]> = [
  // single statements
  ['open', 'BEGIN'],
  ['open', 'begin;'],
  ['open', '  /* c */ -- x\n BEGIN ISOLATION LEVEL SERIALIZABLE'],
  ['open', 'START TRANSACTION READ WRITE'],
  ['close', 'COMMIT'],
  ['close', 'end'],
  ['close', 'ROLLBACK'],
  ['close', 'ABORT'],
  ['close', "PREPARE TRANSACTION 'tx1'"],
  ['close', 'COMMIT AND NO CHAIN'],
  ['open', 'COMMIT AND CHAIN'],
  ['open', 'ROLLBACK AND CHAIN'],
  ['none', 'ROLLBACK TO SAVEPOINT a'],
  ['none', 'ROLLBACK WORK TO a'],
  ['none', "COMMIT PREPARED 'tx1'"],
  ['none', "ROLLBACK PREPARED 'tx1'"],
  ['none', 'SAVEPOINT a'],
  ['none', 'RELEASE SAVEPOINT a'],
  ['none', 'PREPARE p AS SELECT 1'],
  ['none', 'SELECT 1'],
  ['none', ''],
  ['none', ';;'],
  // several statements: the last transaction-control statement decides
  ['open', "BEGIN; INSERT INTO t VALUES ('first')"],
  ['open', 'begin ; insert into t values (1);'],
  ['open', 'SELECT 1; START TRANSACTION; UPDATE t SET a = 1'],
  ['close', 'BEGIN; INSERT INTO t VALUES (1); COMMIT'],
  ['close', 'INSERT INTO t VALUES (1); COMMIT'],
  ['open', 'COMMIT; BEGIN'],
  ['open', 'BEGIN; SAVEPOINT a; INSERT INTO t VALUES (1); ROLLBACK TO a'],
  ['close', "BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'x'"],
  ['open', 'BEGIN; COMMIT AND CHAIN'],
  ['none', 'SELECT 1; DELETE FROM t'],
  // words inside literals, comments, quoted identifiers and bodies are not statements
  ['none', "SELECT 'x; BEGIN'"],
  ['none', "SELECT E'\\'; BEGIN'"],
  ['none', 'SELECT 1 /* ; BEGIN */'],
  ['none', 'SELECT 1 -- ; BEGIN'],
  ['none', 'SELECT "a;begin" FROM t'],
  ['none', 'DO $$ BEGIN PERFORM 1; END $$'],
  ['none', 'DO $body$ BEGIN PERFORM 1; END $body$; SELECT 1'],
  ['none', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END'],
  ['open', 'BEGIN; CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; INSERT INTO t VALUES (1)'],
  // unparsable texts run nothing
  ['none', "BEGIN; SELECT 'unterminated"],
  ['none', 'BEGIN; /* unterminated'],
];

describe('transaction effect of a SQL text', () => {
  it.each(table)('%s ← %j', (expected, sql) => {
    expect(transactionEffect(sql)).toBe(expected);
  });

  it('multi-statement transaction control (tester report): "BEGIN; …" in one text leaves a transaction open', () => {
    expect(transactionEffect("BEGIN; INSERT INTO t VALUES ('first')")).toBe('open');
  });

  it('rejects a non-string', () => {
    expect(() => transactionEffect(5 as unknown as string)).toThrow(TypeError);
    expect(() => transactionEffect(5 as unknown as string)).toThrow(/`sql`/);
  });
});
