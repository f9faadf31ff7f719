/**
 * Which function calls make a SQL statement a write: the built-in list, with its sources, and the
 * application's own (`writeFunctions`).
 */

/**
 * Built-in functions whose call makes a statement a write: each writes WAL, changes server or session
 * state, or only works on the primary — so on a hot standby it fails (SQLSTATE 25006 and friends) or, on
 * a pooled replica connection, leaves state behind for the next user. Names starting with one of
 * {@link SQL_WRITE_FUNCTION_PREFIXES} count as well. From the PostgreSQL 15 documentation:
 *
 * - §9.17 Sequence Manipulation Functions: `nextval`, `setval` (write), `currval`, `lastval` (session state of the primary);
 * - §9.27.10 Advisory Lock Functions: every `pg_advisory_*` and `pg_try_advisory_*` (prefixes);
 * - §9.27.8 Index Maintenance Functions: `brin_summarize_new_values`, `brin_summarize_range`,
 *   `brin_desummarize_range`, `gin_clean_pending_list`;
 * - §9.27.6 Replication Management Functions: `pg_create_physical_replication_slot`,
 *   `pg_create_logical_replication_slot`, `pg_drop_replication_slot`, `pg_copy_*_replication_slot`,
 *   `pg_logical_slot_get_changes`, `pg_logical_slot_get_binary_changes`, `pg_logical_slot_peek_*`,
 *   `pg_replication_slot_advance`, every `pg_replication_origin_*`, `pg_logical_emit_message`;
 * - §9.27.3 Backup Control Functions: `pg_create_restore_point`, `pg_switch_wal`, `pg_backup_start`,
 *   `pg_backup_stop` (and the pre-15 `pg_start_backup`/`pg_stop_backup`), `pg_current_wal_*` (prefix:
 *   errors during recovery);
 * - §9.27.4 Recovery Control Functions: `pg_promote`, `pg_wal_replay_pause`, `pg_wal_replay_resume`
 *   (server control: never sent to an arbitrary replica);
 * - §9.27.2 Server Signaling Functions: `pg_cancel_backend`, `pg_terminate_backend`, `pg_reload_conf`,
 *   `pg_rotate_logfile`, `pg_log_backend_memory_contexts`;
 * - §9.27.1 Configuration Settings Functions: `set_config` (with `is_local` false it changes the
 *   session; with true it is harmless, but the argument is not looked at: primary either way);
 * - §9.26 System Information Functions, Table 9.76: `txid_current`, `pg_current_xact_id` (assign a
 *   transaction id); `pg_notify` (§9.27 / NOTIFY); `setseed` (§9.3, session state);
 * - §9.27.7 / §28.2.25 statistics: every `pg_stat_reset*` (prefix); `pg_import_system_collations`;
 * - §35.4 Server-Side Functions of large objects: every `lo_*` (prefix: `lo_create`, `lo_import`,
 *   `lo_unlink`, `lo_put`, `lo_from_bytea`, … — the read-only ones such as `lo_get` go to the primary too);
 * - extensions: `dblink_exec` (dblink).
 *
 * Application functions that write are declared with `writeFunctions` (see {@link SqlClassifierOptions};
 * pgpool-II's `write_function_list`).
 */
export const SQL_WRITE_FUNCTIONS: readonly string[] = [
  'nextval',
  'setval',
  'currval',
  'lastval',
  'brin_summarize_new_values',
  'brin_summarize_range',
  'brin_desummarize_range',
  'gin_clean_pending_list',
  'pg_logical_emit_message',
  'pg_replication_slot_advance',
  'pg_notify',
  'txid_current',
  'pg_current_xact_id',
  'pg_switch_wal',
  'pg_create_restore_point',
  'pg_start_backup',
  'pg_stop_backup',
  'pg_backup_start',
  'pg_backup_stop',
  'pg_promote',
  'pg_wal_replay_pause',
  'pg_wal_replay_resume',
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_log_backend_memory_contexts',
  'pg_import_system_collations',
  'set_config',
  'setseed',
  'dblink_exec',
];

/** Prefixes of built-in function names that make a statement a write (see {@link SQL_WRITE_FUNCTIONS}). */
export const SQL_WRITE_FUNCTION_PREFIXES: readonly string[] = [
  'pg_advisory',
  'pg_try_advisory',
  'pg_create_',
  'pg_drop_',
  'pg_copy_',
  'pg_logical_slot_',
  'pg_replication_origin',
  'pg_current_wal',
  'pg_stat_reset',
  'lo_',
];

/**
 * An application function that writes, for `writeFunctions`: a name (matched case-insensitively
 * against the unqualified function name, as pgpool-II's `write_function_list`), or a regular
 * expression tested against that name (lower-cased unless it was double-quoted).
 */
export type WriteFunctionPattern = string | RegExp;

/** Compiled `writeFunctions`. @internal */
export interface WriteFunctionMatcher {
  names: ReadonlySet<string>;
  patterns: readonly RegExp[];
}

/**
 * Compiles `writeFunctions` once.
 * @throws {TypeError} naming `name` on an entry that is not a non-empty string or a RegExp.
 * @internal
 */
export function compileWriteFunctions(name: string, list: readonly WriteFunctionPattern[] | undefined): WriteFunctionMatcher | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new TypeError(`Expected \`${name}\` to be an array of names and regular expressions, got ${typeof list}`);
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  list.forEach((p, i) => {
    if (typeof p === 'string' && p !== '') names.add(p.toLowerCase());
    else if (p instanceof RegExp)
      patterns.push(new RegExp(p.source, p.flags.replace(/[gy]/g, ''))); // stateless .test()
    else
      throw new TypeError(
        `Expected \`${name}[${i}]\` to be a non-empty string or a RegExp, got ${typeof p === 'string' ? '""' : typeof p}`,
      );
  });
  return names.size === 0 && patterns.length === 0 ? undefined : { names, patterns };
}

/** Whether the function named by `s[start, end)` is in `m`. @internal */
export function isUserWriteFunction(m: WriteFunctionMatcher, s: string, start: number, end: number, quoted: boolean): boolean {
  const raw = s.slice(start, end);
  const folded = quoted ? raw : raw.toLowerCase();
  if (m.names.has(raw.toLowerCase())) return true;
  for (let i = 0; i < m.patterns.length; i++) if ((m.patterns[i] as RegExp).test(folded)) return true;
  return false;
}
