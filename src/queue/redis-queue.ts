import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import pRetry from 'p-retry'
import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from '../core/validation.js'
import { RelayStateError, ValidationError } from '../core/errors.js'
import type { ClaimedDelivery, ClaimOptions, Storage } from '../storage/storage.js'
import type { DueWork, QueueContext, QueueDriver } from './queue-driver.js'
import {
  closeConnection,
  connectionFactory,
  ENQUEUE,
  POP_DUE,
  RECONCILE_ADD,
  whenReady,
  type ConnectionFactory,
  type RedisConnectionLike,
  type RedisLike,
} from './redis-client.js'
import { RedisCoordination, type RedisLink } from './redis-coordination.js'

/** Options of {@link redisQueue}: the Redis to use, and how it is kept in step with the database. */
export interface RedisQueueOptions {
  /**
   * Your ioredis client, or a Redis URL. hookrelay never sends commands on your client: it opens
   * two connections of its own with `redis.duplicate()` (commands, and pub/sub), closes them on
   * `relay.stop()`, and leaves your client open. With a URL it creates both itself.
   * @example redisQueue({ redis: new Redis(process.env.REDIS_URL) })
   * @example redisQueue({ redis: 'redis://127.0.0.1:6379/0' })
   */
  redis: RedisLike | string
  /**
   * Prepended to every key and channel hookrelay uses, before the database identity: keys are
   * `<keyPrefix><database id>:<name>`, where the database id is a random id stored in hookrelay's
   * tables when they were first migrated. Relays on different databases, schemas or table
   * prefixes that share one Redis therefore never see each other's work or circuits, whatever
   * prefix they use. Required when the storage cannot tell its identity (a custom storage).
   * @default 'hookrelay:'
   * @example redisQueue({ redis, keyPrefix: 'billing-webhooks:' })
   */
  keyPrefix?: string
  /**
   * How often the database is compared with Redis: one process at a time (a `SET NX PX` lock)
   * puts due work that Redis does not hold (lost in a flush or restart, a worker that died, an
   * outbox send) back into it. Also bounds how long such work can wait for its first attempt.
   * @default '5s'
   * @example redisQueue({ redis, reconcileInterval: '2s' })
   */
  reconcileInterval?: Duration
  /**
   * The most due deliveries one reconciliation reads from the database. With more due than this,
   * workers also claim from the database until Redis has caught up.
   * @default 10000
   */
  reconcileBatchSize?: number
  /**
   * How long a Redis command may take before it counts as failed and workers claim from the
   * database instead. Commands are never queued while Redis is away.
   * @default '1s'
   */
  commandTimeout?: Duration
  /**
   * Also listen to the storage's commit announcements (Postgres LISTEN/NOTIFY), so that sends
   * inside your own transactions (the outbox), which only the database sees, wake workers at once
   * instead of at the next reconciliation.
   * @default true
   */
  listenToStorage?: boolean
}

/** `redisQueue()`'s driver: a `QueueDriver` whose coordination is shared through Redis. */
export interface RedisQueue extends QueueDriver {
  readonly coordination: RedisCoordination
  /**
   * Compares the database with Redis now (if no other process is doing so): due work Redis does
   * not hold is added. Resolves to the number of due deliveries read, or `null` when another
   * process holds the reconciliation lock or Redis is unreachable. Runs on its own every
   * `reconcileInterval` once the relay started.
   */
  reconcile(): Promise<number | null>
}

const optionsSchema = z
  .object({
    redis: z.custom<RedisLike | string>(
      (value) =>
        (typeof value === 'string' && value.length > 0) ||
        (typeof value === 'object' && value !== null && typeof (value as { duplicate?: unknown }).duplicate === 'function'),
      'must be an ioredis client (an object with duplicate()) or a redis:// URL',
    ),
    keyPrefix: z.string().max(100, 'must be at most 100 characters').optional(),
    reconcileInterval: z.custom<Duration>(durationCheck, DURATION_HINT).optional(),
    reconcileBatchSize: z.number().int('must be an integer').min(1).max(100_000).optional(),
    commandTimeout: z.custom<Duration>(durationCheck, DURATION_HINT).optional(),
    listenToStorage: z.boolean().optional(),
  })
  .strict()

/** Due work sent to Redis per script call (ZADD arguments stay small). */
const ENQUEUE_CHUNK = 500
/** How often the same kind of Redis failure is reported while it lasts. */
const REPORT_EVERY_MS = 10_000
/** After a failed command, workers claim from the database for this long before trying Redis again. */
const BYPASS_MS = 2_000
/**
 * A reconciliation does not put back ids handed out this long before it read the database (their
 * claim may not have committed yet). An id popped by a worker that died before claiming it waits
 * at most this much longer for the next reconciliation.
 */
const CLAIM_MARGIN_MS = 5_000
/** How long Redis remembers when an id was handed out (longer than any reconciliation's read). */
const HANDED_OUT_MEMORY_MS = 120_000

/**
 * Work distribution, wake-ups, circuit state and rate limits through Redis (ioredis), for a fleet
 * of worker processes on one Postgres. Redis holds the ids of due deliveries in a sorted set
 * scored by due time; workers pop the due ones atomically and claim exactly those rows in the
 * database. The database stays the source of truth: anything Redis loses is found again by the
 * reconciler, and while Redis is unreachable workers claim from the database.
 *
 * @example
 * const relay = createRelay({
 *   storage: postgresStorage({ connectionString: process.env.DATABASE_URL }),
 *   queue: redisQueue({ redis: new Redis(process.env.REDIS_URL) }),
 * })
 */
export function redisQueue(options: RedisQueueOptions): RedisQueue {
  const parsed = parseOrThrow(optionsSchema, options ?? {}, 'redisQueue() options')
  return new RedisQueueDriver({
    factory: connectionFactory(parsed.redis),
    keyPrefix: parsed.keyPrefix ?? 'hookrelay:',
    explicitPrefix: parsed.keyPrefix !== undefined,
    reconcileIntervalMs: Math.max(100, toMilliseconds(parsed.reconcileInterval ?? '5s', 'reconcileInterval')),
    reconcileBatchSize: parsed.reconcileBatchSize ?? 10_000,
    commandTimeoutMs: Math.max(10, toMilliseconds(parsed.commandTimeout ?? '1s', 'commandTimeout')),
    listenToStorage: parsed.listenToStorage ?? true,
  })
}

interface ResolvedOptions {
  factory: ConnectionFactory
  keyPrefix: string
  /** The user chose `keyPrefix`: then a storage without an identity may use it alone. */
  explicitPrefix: boolean
  reconcileIntervalMs: number
  reconcileBatchSize: number
  commandTimeoutMs: number
  listenToStorage: boolean
}

class RedisQueueDriver implements RedisQueue {
  readonly name = 'redis'
  readonly coordination: RedisCoordination
  readonly #options: ResolvedOptions
  readonly #instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  #context: QueueContext | null = null
  /** The storage served (known before `start` for producers, see `attach`). */
  #storage: Storage | null = null
  /** `keyPrefix` + the database identity + `:`, once read from the storage. */
  #namespace: string | null = null
  #resolving: Promise<string> | null = null
  #commands: RedisConnectionLike | null = null
  #subscriber: RedisConnectionLike | null = null
  #stopped = false
  /** Until when workers skip Redis after a failed command. */
  #bypassUntil = 0
  /** The storage announced work Redis may not hold (an outbox send), or Redis missed some: look there too. */
  #storageHint = false
  #unlisten: (() => Promise<void>) | null = null
  #reconcileTimer: NodeJS.Timeout | null = null
  #reconciling: Promise<number | null> | null = null
  #lastReconcileRequest = 0
  #buffer: { work: DueWork[]; wake: boolean } = { work: [], wake: false }
  #flushing: Promise<void> | null = null
  readonly #reported = new Map<string, number>()

  constructor(options: ResolvedOptions) {
    this.#options = options
    const link: RedisLink = {
      instanceId: this.#instanceId,
      commands: () => this.#usable(),
      ready: () => this.#ready().catch(() => null),
      key: (name) => this.#key(name),
      report: (error, context) => this.#report(error, context),
    }
    this.coordination = new RedisCoordination(link)
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  attach(storage: Storage): void {
    this.#storage ??= storage
  }

  async start(context: QueueContext): Promise<void> {
    this.#context = context
    this.#storage = context.storage
    await this.#resolveNamespace()
    const commands = this.#connect()
    const subscriber = this.#options.factory({ ...this.#connectionOptions(), enableOfflineQueue: true, connectionName: 'hookrelay-sub' })
    this.#subscriber = subscriber
    subscriber.on('error', (error: Error) => this.#report(error, 'queue.redis.connection'))
    subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message))
    // Once subscribed, ioredis subscribes again by itself after a reconnection; until then
    // (Redis was down at start, or the command timed out) each new connection tries.
    let subscribed = false
    const subscribe = () => {
      if (subscribed || this.#stopped) return
      subscriber.subscribe(this.#key('wake'), this.coordination.channel).then(
        () => {
          subscribed = true
        },
        (error: unknown) => this.#report(error, 'queue.redis.subscribe'),
      )
    }
    subscriber.on('ready', subscribe)
    subscribe()

    if (this.#options.listenToStorage && context.storage.wakeups) {
      try {
        this.#unlisten = await context.storage.wakeups.listen(
          () => {
            this.#storageHint = true
            context.onWake()
          },
          (error) => this.#report(error, 'queue.listen'),
        )
      } catch (error) {
        this.#report(error, 'queue.listen')
      }
    }
    // Wait a moment for Redis; without it the workers start on the database and switch when it answers.
    if (!(await whenReady(commands, this.#options.commandTimeoutMs * 2))) {
      this.#report(new Error('Redis is not reachable yet; claiming from the database until it is.'), 'queue.redis.connection')
    }
    this.#scheduleReconcile(0)
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#reconcileTimer) clearTimeout(this.#reconcileTimer)
    this.#reconcileTimer = null
    await this.#unlisten?.().catch(() => undefined)
    this.#unlisten = null
    await this.#reconciling?.catch(() => undefined)
    await this.#flushing
    const subscriber = this.#subscriber
    const commands = this.#commands
    this.#subscriber = null
    this.#commands = null
    if (subscriber) {
      if (subscriber.status === 'ready') await subscriber.unsubscribe().catch(() => undefined)
      await closeConnection(subscriber, this.#options.commandTimeoutMs)
    }
    if (commands) await closeConnection(commands, this.#options.commandTimeoutMs)
    this.#context = null
  }

  // ---- work -----------------------------------------------------------------------------------

  notify(work?: readonly DueWork[]): void {
    if (this.#stopped) return
    if (!work || work.length === 0) {
      // Nothing to hand out: still wake this process and the others (they look in the database).
      this.#storageHint = true
      this.#context?.onWake()
      this.#enqueue([], true)
      return
    }
    this.#enqueue(work, true)
  }

  rescheduled(work: readonly DueWork[]): void {
    if (this.#stopped || work.length === 0) return
    this.#enqueue(work, false)
  }

  async claim(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const context = this.#context
    if (!context) throw new Error('redisQueue: claim() before start()')
    const storage = context.storage
    const redis = this.#usable()
    if (!redis) return this.#retry(() => storage.claimDeliveries(options))

    const now = options.now.getTime()
    let popped: { reconciledAt: number | null; ids: string[] }
    try {
      popped = parsePopped(
        await POP_DUE.run(redis, [this.#key('due'), this.#key('reconciled-at'), this.#key('handed-out')], [
          now,
          options.limit,
          now - HANDED_OUT_MEMORY_MS,
        ]),
      )
    } catch (error) {
      this.#redisFailed(error, 'queue.redis.claim')
      return this.#retry(() => storage.claimDeliveries(options))
    }

    let claimed: ClaimedDelivery[] = []
    if (popped.ids.length > 0) {
      try {
        claimed = await this.#retry(() => storage.claimDeliveriesByIds(popped.ids, options))
      } catch (error) {
        // The ids left Redis: put them back rather than wait for the reconciler.
        this.#enqueue(
          popped.ids.map((deliveryId) => ({ deliveryId, dueAt: options.now })),
          false,
        )
        throw error
      }
    }
    // Redis holds all due work only if a reconciliation completed recently; otherwise (a flush,
    // a restart, a backlog larger than one reconciliation) the database may hold more.
    const complete = popped.reconciledAt !== null && now - popped.reconciledAt <= 3 * this.#options.reconcileIntervalMs
    if (!complete) this.#requestReconcile()
    // Look in the database only when Redis handed out nothing: while it hands out work, a second
    // claim per wake would double the claim statements (and take rows Redis still lists, which
    // later come back as empty claims by id). The work handed out wakes the loop again when it is
    // done, and the next claim looks further. A storage hint (an outbox commit) waits for that too.
    if (claimed.length === 0 && (!complete || this.#storageHint)) {
      this.#storageHint = false
      claimed = await this.#retry(() => storage.claimDeliveries(options))
      // Redis may list some of these (enqueued meanwhile): drop them, so they are not claimed twice.
      if (claimed.length > 0) this.#forget(claimed)
    } else if (claimed.length < options.limit && (!complete || this.#storageHint)) {
      // Redis ran short and the database may hold more: the worker would take this short claim
      // for "nothing more is due" and idle; wake it to look there next.
      context.onWake()
    }
    return claimed
  }

  /** Removes from Redis the ids of deliveries claimed from the database (best effort: a stale id costs one empty claim). */
  #forget(claimed: readonly ClaimedDelivery[]): void {
    const redis = this.#usable()
    if (!redis) return
    const ids = claimed.map((c) => c.delivery.id)
    redis.call('ZREM', this.#key('due'), ...ids).catch((error: unknown) => this.#report(error, 'queue.redis.claim'))
  }

  async reconcile(): Promise<number | null> {
    this.#reconciling ??= this.#reconcileOnce().finally(() => {
      this.#reconciling = null
    })
    return this.#reconciling
  }

  async #reconcileOnce(): Promise<number | null> {
    const context = this.#context
    const redis = this.#usable()
    if (!context || !redis || this.#stopped) return null
    const interval = this.#options.reconcileIntervalMs
    const lock = await redis.call('SET', this.#key('reconciler'), this.#instanceId, 'NX', 'PX', interval)
    if (lock !== 'OK') return null
    const now = context.now()
    const due = await this.#retry(() =>
      context.storage.listDueDeliveries({ now: new Date(now), limit: this.#options.reconcileBatchSize, horizonMs: 2 * interval }),
    )
    for (let i = 0; i < due.length; i += ENQUEUE_CHUNK) {
      // Only missing ids (a score written since, by a retry rescheduled meanwhile, is newer than
      // what was read), and not those handed out since the read began (or shortly before: popped,
      // not yet claimed): their claims are committing, and they would come back as empty claims.
      await RECONCILE_ADD.run(redis, [this.#key('due'), this.#key('handed-out')], [
        now - CLAIM_MARGIN_MS,
        ...pairs(due.slice(i, i + ENQUEUE_CHUNK)),
      ])
    }
    if (due.length < this.#options.reconcileBatchSize) {
      await redis.call('SET', this.#key('reconciled-at'), String(now))
    } else {
      await redis.call('DEL', this.#key('reconciled-at'))
    }
    if (due.some((work) => work.dueAt.getTime() <= now)) {
      await redis.call('PUBLISH', this.#key('wake'), this.#instanceId)
      context.onWake()
    }
    return due.length
  }

  #scheduleReconcile(ms: number): void {
    if (this.#stopped) return
    if (this.#reconcileTimer) clearTimeout(this.#reconcileTimer)
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = null
      this.reconcile()
        .catch((error: unknown) => this.#report(error, 'queue.redis.reconcile'))
        .finally(() => this.#scheduleReconcile(this.#options.reconcileIntervalMs))
    }, ms)
    this.#reconcileTimer.unref()
  }

  /** Reconcile soon (Redis came back, or was found empty); at most twice per interval. */
  #requestReconcile(): void {
    const now = Date.now()
    if (now - this.#lastReconcileRequest < this.#options.reconcileIntervalMs / 2 || !this.#context) return
    this.#lastReconcileRequest = now
    this.#scheduleReconcile(0)
  }

  // ---- enqueueing -----------------------------------------------------------------------------

  /** Buffers work for Redis; one script call per I/O turn adds it all (and publishes a wake-up). */
  #enqueue(work: readonly DueWork[], wake: boolean): void {
    this.#buffer.work.push(...work)
    this.#buffer.wake ||= wake
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null
    })
  }

  async #flush(): Promise<void> {
    while (this.#buffer.work.length > 0 || this.#buffer.wake) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const { work, wake } = this.#buffer
      this.#buffer = { work: [], wake: false }
      try {
        const redis = await this.#ready()
        for (let i = 0; i < work.length || (i === 0 && wake); i += ENQUEUE_CHUNK) {
          const last = i + ENQUEUE_CHUNK >= work.length
          const channel = wake && last ? this.#key('wake') : ''
          await ENQUEUE.run(redis, [this.#key('due')], ['', channel, this.#instanceId, ...pairs(work.slice(i, i + ENQUEUE_CHUNK))])
        }
        if (wake) this.#context?.onWake()
      } catch (error) {
        // Redis does not hold this work: workers look in the database (and the reconciler adds it later).
        this.#redisFailed(error, 'queue.redis.enqueue')
        this.#storageHint = true
        this.#context?.onWake()
      }
    }
  }

  // ---- connections ----------------------------------------------------------------------------

  #connectionOptions(): Record<string, unknown> {
    return {
      lazyConnect: false,
      keyPrefix: '',
      commandTimeout: this.#options.commandTimeoutMs,
      connectTimeout: Math.max(1_000, this.#options.commandTimeoutMs * 5),
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    }
  }

  /** The command connection, opened on first use (a producer that never starts workers also enqueues). */
  #connect(): RedisConnectionLike {
    if (this.#commands) return this.#commands
    const commands = this.#options.factory({
      ...this.#connectionOptions(),
      // Fail fast instead of queueing while Redis is away: the database takes over meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectionName: 'hookrelay',
    })
    let wasReady = false
    commands.on('error', (error: Error) => this.#report(error, 'queue.redis.connection'))
    commands.on('ready', () => {
      this.#bypassUntil = 0
      if (wasReady) {
        // Back after an outage: Redis may have lost data, and work arrived meanwhile.
        this.#storageHint = true
        this.#lastReconcileRequest = 0
        this.#requestReconcile()
        this.#context?.onWake()
      }
      wasReady = true
    })
    this.#commands = commands
    return commands
  }

  /**
   * Reads the database identity that namespaces every key, once. Two relays on different databases
   * sharing one Redis (and one `keyPrefix`) would otherwise pop each other's delivery ids.
   */
  #resolveNamespace(): Promise<string> {
    if (this.#namespace !== null) return Promise.resolve(this.#namespace)
    this.#resolving ??= (async () => {
      const storage = this.#storage
      if (!storage) throw new RelayStateError('redisQueue: used before it was given to createRelay().')
      // A storage of hookrelay's always has an identity; a custom one may not (the optional call is on purpose).
      const identify = (storage as Partial<Pick<Storage, 'databaseId'>>).databaseId
      let namespace: string
      if (typeof identify === 'function') {
        namespace = `${this.#options.keyPrefix}${await identify.call(storage)}:`
      } else if (this.#options.explicitPrefix) {
        namespace = this.#options.keyPrefix
      } else {
        throw new ValidationError(
          'redisQueue(): this storage cannot tell which database it is, so give each relay sharing this Redis its own keyPrefix.',
          [{ path: ['keyPrefix'], message: 'required for a storage without databaseId()' }],
        )
      }
      this.#namespace = namespace
      return namespace
    })().finally(() => {
      this.#resolving = null
    })
    return this.#resolving
  }

  /** The command connection if it can be used right now; `null` sends callers to the database. */
  #usable(): RedisConnectionLike | null {
    if (this.#stopped) return null
    if (this.#namespace === null) {
      // Not known yet (a producer's first send): use the database meanwhile.
      this.#resolveNamespace().catch((error: unknown) => this.#report(error, 'queue.redis.namespace'))
      return null
    }
    const commands = this.#connect()
    if (commands.status !== 'ready' || Date.now() < this.#bypassUntil) return null
    return commands
  }

  /** The command connection once ready (waiting up to the command timeout for a first connection). */
  async #ready(): Promise<RedisConnectionLike> {
    await this.#resolveNamespace()
    const usable = this.#usable()
    if (usable) return usable
    const commands = this.#connect()
    if (Date.now() >= this.#bypassUntil && (await whenReady(commands, this.#options.commandTimeoutMs))) return commands
    throw new Error(`Redis is not reachable (connection ${commands.status}).`)
  }

  #redisFailed(error: unknown, context: string): void {
    this.#bypassUntil = Date.now() + BYPASS_MS
    this.#report(error, context)
  }

  #onMessage(channel: string, message: string): void {
    if (channel === this.coordination.channel) {
      this.coordination.receive(message)
    } else if (channel === this.#key('wake') && message !== this.#instanceId) {
      this.#context?.onWake()
    }
  }

  #key(name: string): string {
    if (this.#namespace === null) throw new RelayStateError('redisQueue: a key was needed before the database identity was read.')
    return this.#namespace + name
  }

  /** Bounded, jittered retries of a transient failure (storage or Redis). */
  #retry<T>(fn: () => Promise<T>): Promise<T> {
    return pRetry(fn, { retries: 2, minTimeout: 50, maxTimeout: 500, randomize: true })
  }

  /** Emits an `error` event, at most once per `REPORT_EVERY_MS` per context while a failure lasts. */
  #report(error: unknown, context: string): void {
    const now = Date.now()
    const last = this.#reported.get(context)
    if (last !== undefined && now - last < REPORT_EVERY_MS) return
    const emit = this.#context?.emit
    if (!emit) return
    this.#reported.set(context, now)
    try {
      emit('error', { error: error instanceof Error ? error : new Error(String(error)), context })
    } catch {
      // A throwing error listener must not break the queue.
    }
  }
}

function pairs(work: readonly DueWork[]): (string | number)[] {
  const args: (string | number)[] = []
  for (const item of work) args.push(item.dueAt.getTime(), item.deliveryId)
  return args
}

function parsePopped(reply: unknown): { reconciledAt: number | null; ids: string[] } {
  const [at, ids] = Array.isArray(reply) ? (reply as [unknown, unknown]) : ['', []]
  const reconciledAt = typeof at === 'string' && at !== '' ? Number(at) : null
  return {
    reconciledAt: reconciledAt !== null && Number.isFinite(reconciledAt) ? reconciledAt : null,
    ids: Array.isArray(ids) ? ids.map(String) : [],
  }
}

export type { RedisLike, RedisConnectionLike } from './redis-client.js'
export type { RedisCoordination, SharedCircuit } from './redis-coordination.js'
