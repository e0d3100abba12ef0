import { createHash } from 'node:crypto'
import { loadOptionalPeer } from '../storage/load-peer.js'

/**
 * What hookrelay needs of the ioredis client you hand in: only `duplicate()`. hookrelay never
 * sends a command on your client (whose offline queue could hold a command for as long as Redis
 * is away); it opens its own connections from it, with your host, credentials, TLS and database.
 */
export interface RedisLike {
  /** A new connection with the same options (ioredis `duplicate()`). */
  duplicate(override?: Record<string, unknown>): RedisConnectionLike
}

/** One ioredis connection, as hookrelay uses it (an ioredis `Redis` instance fits). */
export interface RedisConnectionLike {
  /** `'ready'` once connected; `'connecting'`, `'reconnecting'`, `'end'`, … otherwise. */
  readonly status: string
  /** Sends any command (ioredis `call()`). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  /** Subscribes this connection to channels. */
  subscribe(...channels: string[]): Promise<unknown>
  /** Unsubscribes this connection from channels. */
  unsubscribe(...channels: string[]): Promise<unknown>
  /** Adds a listener (`message`, `error`, `ready`, …). */
  on(event: string, listener: (...args: any[]) => void): unknown
  /** Adds a one-time listener. */
  once(event: string, listener: (...args: any[]) => void): unknown
  /** Removes a listener. */
  removeListener(event: string, listener: (...args: any[]) => void): unknown
  /** Closes the connection after pending replies. */
  quit(): Promise<unknown>
  /** Closes the connection at once. */
  disconnect(): void
}

interface IoredisModule {
  Redis: new (url: string, options: Record<string, unknown>) => RedisConnectionLike
}

/** Opens a connection: a duplicate of the user's client, or a new client on the URL. */
export type ConnectionFactory = (options: Record<string, unknown>) => RedisConnectionLike

/** Where connections come from; ioredis is loaded only when a URL is given. */
export function connectionFactory(redis: RedisLike | string): ConnectionFactory {
  if (typeof redis !== 'string') return (options) => redis.duplicate(options)
  const { Redis } = loadOptionalPeer<IoredisModule>('ioredis', 'redisQueue()')
  return (options) => new Redis(redis, options)
}

/** Resolves once `connection` is ready, or false after `timeoutMs` (it keeps trying meanwhile). */
export function whenReady(connection: RedisConnectionLike, timeoutMs: number): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      connection.removeListener('ready', onReady)
      resolve(false)
    }, timeoutMs)
    timer.unref()
    connection.once('ready', onReady)
  })
}

/** Closes a connection hookrelay opened: QUIT when it can answer, else drop it at once. */
export async function closeConnection(connection: RedisConnectionLike, timeoutMs: number): Promise<void> {
  if (connection.status === 'end') return
  if (connection.status !== 'ready') {
    connection.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  await Promise.race([connection.quit().catch(() => undefined), timedOut])
  clearTimeout(timer)
  if ((connection.status as string) !== 'end') connection.disconnect()
}

/** A Lua script run by its SHA, loaded on first use and again after Redis lost its script cache. */
export class RedisScript {
  readonly #source: string
  readonly #sha: string

  constructor(source: string) {
    this.#source = source
    this.#sha = createHash('sha1').update(source).digest('hex')
  }

  async run(connection: RedisConnectionLike, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await connection.call('EVALSHA', this.#sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
      return connection.call('EVAL', this.#source, keys.length, ...keys, ...args)
    }
  }
}

/**
 * Moves up to `limit` (ARGV[2]) ids due by `ARGV[1]` out of the queue KEYS[1], and notes in
 * KEYS[3] when each was handed out (forgetting notes older than ARGV[3]); also returns the last
 * reconcile time (KEYS[2]).
 */
export const POP_DUE = new RedisScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
  local handed = {}
  for i = 1, #ids do
    handed[2 * i - 1] = ARGV[1]
    handed[2 * i] = ids[i]
  end
  redis.call('ZADD', KEYS[3], unpack(handed))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
local at = redis.call('GET', KEYS[2])
if not at then at = '' end
return {at, ids}
`)

/**
 * A reconciliation's adds: (score, id) pairs from ARGV[2] on to the queue KEYS[1] when missing,
 * except ids handed out (KEYS[2], see POP_DUE) at or after ARGV[1]: the database was read before
 * their claim committed, and putting them back would hand them out twice (an empty claim).
 */
export const RECONCILE_ADD = new RedisScript(`
local since = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local handed = redis.call('ZSCORE', KEYS[2], ARGV[i + 1])
  if not handed or tonumber(handed) < since then
    redis.call('ZADD', KEYS[1], 'NX', ARGV[i], ARGV[i + 1])
  end
end
return 1
`)

/**
 * Adds (score, id) pairs from ARGV[4] on to the queue; ARGV[1] = 'NX' only adds missing ids.
 * Publishes ARGV[3] on channel ARGV[2] afterwards unless ARGV[2] is empty.
 */
export const ENQUEUE = new RedisScript(`
for i = 4, #ARGV, 2 do
  if ARGV[1] == 'NX' then
    redis.call('ZADD', KEYS[1], 'NX', ARGV[i], ARGV[i + 1])
  else
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`)

/**
 * A sliding-window log shared by the fleet (the algorithm of `SlidingWindowLimiter`):
 * KEYS[1] the admissions (a sorted set scored by time), KEYS[2] the slots promised to refused
 * requests; ARGV: now, max, perMs, a unique member, the most promises to remember.
 * Admits while fewer than `max` admissions lie in [now - perMs, now]; otherwise answers the next
 * unpromised slot (the j-th oldest admission's expiry, a window later per round). Returns
 * `{1, 0}` when admitted, `{0, retryAt}` when not. Times are the callers' clocks, never Redis's.
 */
export const TAKE_SLIDING_WINDOW = new RedisScript(`
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local per = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now - per))
local n = redis.call('ZCARD', KEYS[1])
if n < max then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], per + 60000)
  return {1, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))
local j = redis.call('ZCARD', KEYS[2])
local index = n - max + (j % max)
local oldest = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
local slot = tonumber(oldest[2]) + (per + 1) * (math.floor(j / max) + 1)
if j < tonumber(ARGV[5]) then
  redis.call('ZADD', KEYS[2], slot, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], slot - now + 60000)
end
if slot <= now then slot = now + 1 end
return {0, slot}
`)

/** Stores (ARGV[3] > 0 ms) or clears a circuit's open state, then publishes the change. */
export const PUBLISH_CIRCUIT = new RedisScript(`
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[1])
end
return redis.call('PUBLISH', ARGV[1], ARGV[2])
`)
