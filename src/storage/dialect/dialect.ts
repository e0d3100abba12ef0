import type { ColumnDataType, InsertQueryBuilder, Kysely, SelectQueryBuilder } from 'kysely'

/** The SQL types of a batch's columns (see `StorageDialect.batch`). */
export type BatchColumnType = 'text' | 'bigint' | 'integer'

/** A batch's columns by name, in order: `{ id: 'text', next_attempt_at: 'bigint' }`. */
export type BatchColumns = Readonly<Record<string, BatchColumnType>>

/**
 * What a database can do, for shared code and migrations that must choose (in the spirit of
 * pg-boss's capability table). Prefer a method on the dialect that *implements* the difference;
 * a flag is for the few places that only need to know.
 */
export interface StorageCapabilities {
  /** `INSERT/UPDATE/DELETE … RETURNING` (Postgres; SQLite 3.35+). MySQL has none. */
  readonly returning: boolean
  /** `CREATE INDEX … WHERE <predicate>`: migrations make the claim indexes partial only where true. */
  readonly partialIndexes: boolean
  /** `FOR UPDATE SKIP LOCKED`: concurrent claimers pass over each other's rows. SQLite serialises writes instead. */
  readonly skipLocked: boolean
  /**
   * DDL runs inside the migration transaction (SQLite, Postgres). MySQL commits every DDL
   * statement on its own, so a migration interrupted by a crash is left half applied and its
   * steps must be safe to run again (see `withMigrationLock`).
   */
  readonly transactionalDdl: boolean
  /**
   * SQL/JSON path (`jsonb_path_exists`, Postgres): payload filters are routed inside the fan-out
   * statement, and the compiled filter is stored typed `jsonpath` (parsed once, not per message).
   */
  readonly jsonpath: boolean
}

/**
 * Everything that differs between the databases hookrelay runs on, and nothing else.
 * `KyselyStorage` is written once against Kysely; it asks its dialect only these questions.
 */
export interface StorageDialect {
  /** The database's name, for diagnostics (`storage.dialect`). Open: a new database brings its own. */
  readonly name: 'sqlite' | 'postgres' | (string & {})

  /** What the database supports (see `StorageCapabilities`). */
  readonly capabilities: StorageCapabilities

  /**
   * The column type of text that is a key, unique or indexed (ids, names, statuses). `text` on
   * SQLite and Postgres; MySQL cannot index `text` and will say `varchar(191)`.
   */
  readonly keyTextType: ColumnDataType

  /** An identifier (table, schema) quoted for hand-written SQL: `"name"` on SQLite and Postgres. */
  quote(identifier: string): string

  /**
   * An insert of `values` (a `values (…), (…)` list) into `table` (quoted) that skips rows whose
   * `conflictColumns` are taken, without `returning`: `insert into t (a, b) values (…) on conflict
   * (a) do nothing` on SQLite and Postgres (MySQL: `… on duplicate key update a = a`).
   */
  insertIgnoringConflicts(table: string, columns: readonly string[], values: string, conflictColumns: readonly string[]): string

  /**
   * Runs an insert built with Kysely that skips a row whose `conflictColumn` is taken; true when
   * the row was written. SQLite and Postgres: `on conflict (c) do nothing returning c`; MySQL:
   * `on duplicate key update c = c` and the affected-row count (no `RETURNING`).
   */
  insertIfAbsent(insert: InsertQueryBuilder<any, any, any>, conflictColumn: string): Promise<boolean>

  /**
   * An expression with the value of `column` that no index can serve, to keep a planner on the
   * claim index: `source || ''` on SQLite and Postgres, `concat(source, '')` on MySQL (where `||`
   * is a logical or).
   */
  unindexed(column: string): string

  /**
   * Makes a picking subquery built with Kysely (retention's batches) safe against concurrent
   * pickers. Postgres adds `FOR UPDATE SKIP LOCKED` so two workers never pick the same row and
   * never wait for each other; SQLite serialises writes, so the one-statement
   * `… WHERE id IN (SELECT …)` is already exclusive and the query is returned unchanged. The
   * hand-written claims use `pickedBy` for the same purpose.
   */
  lockClaimQuery<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>

  /**
   * Runs `migrate` in one transaction that no other process can run at the same time (Postgres:
   * `pg_advisory_xact_lock`, after creating the schema if missing; SQLite: `BEGIN IMMEDIATE`).
   * `db` is hookrelay's own (prefixed) Kysely; `migrate` receives the transaction to use.
   */
  withMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void>

  /**
   * Where a claim reads and orders due rows. With partial indexes: the claimable predicate and
   * `next_attempt_at`, as the partial claim index is written. Without (MySQL): the generated
   * column `claim_due_at`, which holds `next_attempt_at` only while the row is claimable and is
   * what the claim index indexes (see `migrations/partial-index.ts`). `bound` is the SQL of the
   * upper bound (a placeholder).
   */
  claimDue(claimable: string, bound: string): { readonly where: string; readonly orderBy: string }

  /** The placeholder of the `index`-th (1-based) parameter in hand-written SQL: `?` or `$1`. */
  parameter(index: number): string

  /**
   * A batch of `rows` rows as a relation `v` with the named `columns`, for `UPDATE … FROM <batch>`
   * and `INSERT … SELECT … FROM <batch>`, so the hot statements read `v.status`, never
   * `v.column3`. Its parameters come first (from `$1`) and are `batchParameters(columns, rows)`.
   * Postgres: `json_to_recordset($1::json) as v(id text, …)`, one text for every batch size.
   * SQLite: an uncast `VALUES` list named by a subquery (a cast on its first row makes SQLite
   * materialise the list and scan the table it updates instead of searching its primary key).
   */
  batch(columns: BatchColumns, rows: number): string

  /** The parameters of `batch(columns, rows.length)`. Rows hold every column (`null` for none). */
  batchParameters(columns: BatchColumns, rows: readonly Readonly<Record<string, unknown>>[]): unknown[]

  /**
   * The `LIMIT` of a claim. Postgres: `(select $n::int)`, a value the planner cannot see, so it
   * assumes a small fraction of the due rows and walks the claim index in due order whatever the
   * statistics say (with the number in sight and stale statistics it may fetch every due row
   * and sort them to keep 50). SQLite: the parameter itself.
   */
  claimLimit(index: number): string

  /**
   * `<column> <pickedBy(select)>`: the rows a claim's `select` picks, locked. Postgres:
   * `= any(array(<select> for update skip locked))`, so two workers never pick the same row nor
   * wait for each other, and the update searches the primary key for a list the planner cannot
   * size (never a join it might hash). SQLite serialises writes: `in (<select>)`. Unused where
   * `capabilities.returning` is false: there a claim picks (`<select> for update skip locked`),
   * updates the picked ids and reads them back, in one transaction.
   */
  pickedBy(select: string): string

  /**
   * `update <table> as <alias> set <assignments> from <source> where <where>`, or its MySQL form
   * `update <table> as <alias> join <source> on <where> set <alias>.<column> = …`. `assignments`
   * are `[column, expression]`; `source` is a `batch(…)`.
   */
  updateFrom(table: string, alias: string, assignments: readonly (readonly [string, string])[], source: string, where: string): string

  /** `<column> <inList(index)>`: the column is one of a list passed as parameter `index` (see `listParameter`). */
  inList(index: number): string

  /** The parameter of `inList`: Postgres a text array, SQLite a JSON array read by `json_each`, MySQL an array mysql2 expands. */
  listParameter(values: readonly string[]): unknown

  /**
   * True when a claim statement can also return the claimed deliveries' messages and endpoints
   * (Postgres: a data-modifying CTE joined to them, one round trip). SQLite's `RETURNING` cannot
   * read other tables, so the storage reads them next, in process.
   */
  readonly claimReturnsRelated: boolean
}
