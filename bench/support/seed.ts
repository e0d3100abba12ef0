/**
 * Seeds a hookrelay database fast, without the API: one real message (with its delivery, and its
 * attempt once delivered) is made through the API as a template, then copied `rows` times with
 * INSERT … SELECT over a recursive CTE (SQLite) or generate_series (Postgres). Every column is
 * copied from the template except ids, references and times, so the copies stay valid whatever
 * columns the schema grows; idempotency keys are left empty.
 *
 * - history: delivered messages, each with its succeeded delivery and its attempt (3 × rows rows);
 * - pending: due messages, each with its pending delivery, due in insertion order.
 */
import Database from 'better-sqlite3'
import pg from 'pg'
import { benchEvent, TABLE_PREFIX, type Target } from './hookrelay.js'
import { deadline, env } from './env.js'

type Kind = 'history' | 'pending'

interface Template {
  messageId: string
  deliveryId: string
  attemptId?: string
}

/** Creates the endpoint for `url` and the template message; delivers it for a history template. */
async function makeTemplate(target: Target, url: string, kind: Kind): Promise<Template> {
  const relay = target.relay()
  await relay.start({ workers: kind === 'history' })
  try {
    await relay.endpoints.create({ url })
    const delivered = new Promise<void>((resolve) => relay.once('delivery.succeeded', () => resolve()))
    const { messageId, deliveryIds } = await relay.send(benchEvent(0))
    if (kind === 'history') await deadline(delivered, 'the template delivery', 60)
    const attempts = kind === 'history' ? (await relay.attempts.list({ deliveryId: deliveryIds[0]! })).data : []
    const first = attempts[0]
    return { messageId, deliveryId: deliveryIds[0]!, ...(first ? { attemptId: first.id } : {}) }
  } finally {
    await relay.stop()
  }
}

const TIME_COLUMNS = new Set(['created_at', 'updated_at', 'completed_at', 'started_at', 'next_attempt_at', 'received_at', 'processed_at'])

/** The SELECT list that turns the template row `t` into copy number `n.i`. */
function selectList(columns: readonly string[], table: 'messages' | 'deliveries' | 'attempts', kind: Kind, total: number, id: (p: string) => string): string {
  const own = { messages: 'msg', deliveries: 'dlv', attempts: 'att' }[table]
  return columns
    .map((c) => {
      if (c === 'id') return id(own)
      if (c === 'message_id') return id('msg')
      if (c === 'delivery_id') return id('dlv')
      if (c === 'idempotency_key' || c === 'idempotency_scope') return 'NULL'
      // Copies are older than the template, in insertion order: due deliveries are claimed in it.
      if (TIME_COLUMNS.has(c)) return `t."${c}" - (${total} - n.i) - 1`
      return `t."${c}"`
    })
    .join(', ')
}

const CHUNK = 200_000

/** Leaves `rows` messages of the kind (the template and rows − 1 copies), with their deliveries (and attempts). */
export async function seed(target: Target, url: string, kind: Kind, rows: number): Promise<{ seconds: number }> {
  const started = performance.now()
  const template = await makeTemplate(target, url, kind)
  const tables: ['messages' | 'deliveries' | 'attempts', string][] = [
    ['messages', template.messageId],
    ['deliveries', template.deliveryId],
  ]
  if (kind === 'history') {
    if (!template.attemptId) throw new Error('the template delivery has no attempt row')
    tables.push(['attempts', template.attemptId])
  }
  const tag = kind === 'history' ? 'hist' : 'pend'
  const copies = rows - 1
  if (target.dialect === 'sqlite') {
    const db = new Database(target.filename!)
    try {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = OFF')
      for (const [table, templateId] of tables) {
        const name = `${TABLE_PREFIX}${table}`
        const columns = (db.pragma(`table_info("${name}")`) as { name: string }[]).map((c) => c.name)
        const list = selectList(columns, table, kind, copies, (p) => `'${p}_${tag}_' || printf('%09d', n.i)`)
        const insert = db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${list} FROM "${name}" t, n WHERE t.id = ?`,
        )
        for (let from = 1; from <= copies; from += CHUNK) insert.run(from, Math.min(copies, from + CHUNK - 1), templateId)
      }
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
  } else {
    const pool = new pg.Pool({ connectionString: env.postgresUrl, max: 1 })
    try {
      // One session (max 1): seeding need not wait for the WAL to reach the disk.
      await pool.query('set synchronous_commit = off')
      for (const [table, templateId] of tables) {
        const name = `${TABLE_PREFIX}${table}`
        const { rows: cols } = await pool.query<{ column_name: string }>(
          'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
          [target.schema, name],
        )
        const columns = cols.map((c) => c.column_name)
        const list = selectList(columns, table, kind, copies, (p) => `'${p}_${tag}_' || lpad(n.i::text, 9, '0')`)
        const qualified = `"${target.schema}"."${name}"`
        for (let from = 1; from <= copies; from += CHUNK) {
          await pool.query(
            `INSERT INTO ${qualified} (${columns.map((c) => `"${c}"`).join(', ')})
             SELECT ${list} FROM ${qualified} t, generate_series($1::int, $2::int) AS n(i) WHERE t.id = $3`,
            [from, Math.min(copies, from + CHUNK - 1), templateId],
          )
        }
      }
    } finally {
      await pool.end()
    }
  }
  return { seconds: (performance.now() - started) / 1000 }
}

/**
 * VACUUM (ANALYZE) and CHECKPOINT the target's tables on Postgres, as autovacuum and the
 * checkpointer would have in time; nothing on SQLite.
 */
export async function vacuumAnalyze(target: Target): Promise<void> {
  if (target.dialect === 'sqlite') return
  const pool = new pg.Pool({ connectionString: env.postgresUrl, max: 1 })
  try {
    // VACUUM as well: a million rows just inserted would otherwise start an insert-triggered
    // autovacuum of the three tables during the timed run (tens of seconds of Postgres CPU on the
    // same cores), where days-old history would have been vacuumed long ago.
    for (const table of ['messages', 'deliveries', 'attempts']) await pool.query(`VACUUM (ANALYZE) "${target.schema}"."${TABLE_PREFIX}${table}"`)
    // And write the seeded pages out now, rather than in a checkpoint during the timed run.
    await pool.query('CHECKPOINT')
  } finally {
    await pool.end()
  }
}
