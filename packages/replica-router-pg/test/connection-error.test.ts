import { isTransactionControlOnly } from '@scaling/replica-router';
import { describe, expect, it } from 'vitest';
import { isConnectionError } from '../src/_connection-error.js';

describe('bare transaction-control statements (the replica-router lexer, as the pool uses it)', () => {
  it.each([
    ['BEGIN', true],
    ['begin;', true],
    ['  /* c */ -- x\n COMMIT', true],
    ['SAVEPOINT a', true],
    ['ROLLBACK TO SAVEPOINT a', true],
    ['BEGIN; INSERT INTO t VALUES (1)', false],
    ['INSERT INTO t VALUES (1); COMMIT', false],
    ['SELECT 1', false],
    ['', false],
  ] as const)('%j → %s', (sql, expected) => {
    expect(isTransactionControlOnly(sql)).toBe(expected);
  });
});

describe('connection-level error detection', () => {
  it('recognises socket errors, shutdown SQLSTATEs and pg client errors', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isConnectionError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]))).toBe(true);
  });
  it('does not treat SQL errors as connection errors', () => {
    expect(isConnectionError(Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }))).toBe(false);
    expect(isConnectionError(new Error('Connection terminated'.replace('Connection', 'Nothing')))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
