/** What a statement does to an explicit transaction. @internal */
export type TransactionControl = 'begin' | 'end' | undefined;

const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
const WORD = /^([A-Za-z]+)(?:\s+([A-Za-z]+))?/;

/**
 * Whether `sql` (one statement) opens (`BEGIN`, `START TRANSACTION`) or closes (`COMMIT`, `END`,
 * `ROLLBACK` without `TO`, `ABORT`) an explicit transaction. Text with several statements is neither:
 * it runs as one unit on one connection anyway.
 * @internal
 */
export function transactionControl(sql: string): TransactionControl {
  const rest = sql.replace(LEADING, '');
  const m = WORD.exec(rest);
  if (m === null) return undefined;
  const first = (m[1] as string).toUpperCase();
  const second = m[2]?.toUpperCase();
  const body = rest.trimEnd().replace(/;+$/, '');
  if (body.includes(';')) return undefined;
  if (first === 'BEGIN' || (first === 'START' && second === 'TRANSACTION')) return 'begin';
  // COMMIT AND CHAIN starts the next transaction at once: the connection stays pinned
  const chained = /\bAND\s+CHAIN\b/i.test(body) && !/\bAND\s+NO\s+CHAIN\b/i.test(body);
  if (first === 'COMMIT' || first === 'END' || first === 'ABORT') return second === 'PREPARED' || chained ? undefined : 'end';
  if (first === 'ROLLBACK') return /\bTO\b/i.test(body) || second === 'PREPARED' || chained ? undefined : 'end';
  return undefined;
}
