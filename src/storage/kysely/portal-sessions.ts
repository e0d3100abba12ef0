import type { Db } from './kysely-storage-helpers.js'

/** A portal link or session as stored: the tenant it is for and when it ends. */
export interface PortalSessionRow {
  tenant: string
  expiresAt: Date
}

/**
 * Where tenant portal links and sessions live (table `portal_sessions`), shared by every process
 * on the database. Callers hand in a hash of each token, never the token.
 */
export interface PortalSessionStore {
  /** Stores a single-use link that opens a session of `sessionTtlMs`. */
  insertLink(link: { tokenHash: string; tenant: string; expiresAt: Date; sessionTtlMs: number; createdAt: Date }): Promise<void>
  /**
   * Marks the link used, if it is unused and not expired at `now`, and returns what it opens; `undefined`
   * otherwise. One conditional update: of two processes redeeming the same link at once, one wins.
   */
  redeemLink(tokenHash: string, now: Date): Promise<{ tenant: string; sessionTtlMs: number } | undefined>
  /** Stores a session (what a portal cookie proves). */
  insertSession(session: { tokenHash: string; tenant: string; expiresAt: Date; createdAt: Date }): Promise<void>
  /** The session, if it exists and has not expired at `now`. */
  getSession(tokenHash: string, now: Date): Promise<PortalSessionRow | undefined>
  /** Deletes up to `limit` links and sessions that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>
}

/** The store on hookrelay's own (prefixed) Kysely. */
export function kyselyPortalSessions(db: () => Db): PortalSessionStore {
  return {
    async insertLink(link) {
      await db()
        .insertInto('portal_sessions')
        .values({
          token_hash: link.tokenHash,
          kind: 'link',
          tenant: link.tenant,
          session_ttl_ms: link.sessionTtlMs,
          expires_at: link.expiresAt.getTime(),
          used_at: null,
          created_at: link.createdAt.getTime(),
        })
        .execute()
    },

    async redeemLink(tokenHash, now) {
      const at = now.getTime()
      const updated = await db()
        .updateTable('portal_sessions')
        .set({ used_at: at })
        .where('token_hash', '=', tokenHash)
        .where('kind', '=', 'link')
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) return undefined
      const row = await db()
        .selectFrom('portal_sessions')
        .select(['tenant', 'session_ttl_ms'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row ? { tenant: row.tenant, sessionTtlMs: Number(row.session_ttl_ms) } : undefined
    },

    async insertSession(session) {
      await db()
        .insertInto('portal_sessions')
        .values({
          token_hash: session.tokenHash,
          kind: 'session',
          tenant: session.tenant,
          session_ttl_ms: null,
          expires_at: session.expiresAt.getTime(),
          used_at: null,
          created_at: session.createdAt.getTime(),
        })
        .execute()
    },

    async getSession(tokenHash, now) {
      const row = await db()
        .selectFrom('portal_sessions')
        .select(['tenant', 'expires_at'])
        .where('token_hash', '=', tokenHash)
        .where('kind', '=', 'session')
        .where('expires_at', '>', now.getTime())
        .executeTakeFirst()
      return row ? { tenant: row.tenant, expiresAt: new Date(Number(row.expires_at)) } : undefined
    },

    async purgeExpired(before, limit) {
      // A bounded batch by the expiry index (a subquery: MySQL and SQLite take no DELETE … LIMIT portably).
      const hashes = await db()
        .selectFrom('portal_sessions')
        .select('token_hash')
        .where('expires_at', '<', before.getTime())
        .limit(limit)
        .execute()
      if (hashes.length === 0) return 0
      const deleted = await db()
        .deleteFrom('portal_sessions')
        .where(
          'token_hash',
          'in',
          hashes.map((h) => h.token_hash),
        )
        .executeTakeFirst()
      return Number(deleted.numDeletedRows)
    },
  }
}
