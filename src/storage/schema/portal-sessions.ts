import type { Millis, NullableMillis } from './time.js'

/**
 * Tenant portal links and sessions (migration 012), so a link made by one process is opened on
 * another. Only hashes of tokens are stored.
 */
export interface PortalSessionsTable {
  /** Hex SHA-256 of the link's or the session's token. */
  token_hash: string
  /** `link` (single use, exchanged for a session) or `session` (what the portal cookie proves). */
  kind: string
  tenant: string
  /** For a link: how long the session it opens lasts. */
  session_ttl_ms: NullableMillis
  expires_at: Millis
  /** When a link was exchanged; a used link is never exchanged again. */
  used_at: NullableMillis
  created_at: Millis
}
