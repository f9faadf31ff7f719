const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
const CONTROL = /^(?:BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE)\b/i;

/**
 * Whether `sql` is a single bare transaction-control statement (`BEGIN`, `COMMIT`, `SAVEPOINT a`, …):
 * such a text does no work of its own, so it does not make a pinned transaction count as a write.
 * Whether a text opens or closes a transaction is `transactionEffect` (from `@scaling/replica-router`).
 * @internal
 */
export function isBareTransactionControl(sql: string): boolean {
  const rest = sql.replace(LEADING, '');
  if (!CONTROL.test(rest)) return false;
  return !rest.trimEnd().replace(/;+$/, '').includes(';');
}
