import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { ClaimedDelivery, ClaimOptions, Storage } from '../storage/storage.js'
import type { DueWork, FleetBroadcast, QueueContext } from './queue-driver.js'
import { closeConnection, ENQUEUE, POP_DUE, whenReady, type RedisConnectionLike } from './redis-client.js'
import { RedisCoordination, type RedisLink } from './redis-coordination.js'
import { ENQUEUE_CHUNK, HANDED_OUT_MEMORY_MS, pairs, parsePopped } from './due-work-args.js'
import { RedisQueueConnection } from './redis-queue-connection.js'
import type { RedisQueue, ResolvedOptions } from './redis-queue-options.js'
import { redisLiveChannel } from './redis-live-channel.js'
import { reconcileOnce } from './redis-reconciler.js'

/** The driver behind `redisQueue()`: claims through Redis, enqueues, and schedules reconciliations. */
export class RedisQueueDriver implements RedisQueue {
  readonly name = 'redis'
  readonly coordination: RedisCoordination
  readonly #options: ResolvedOptions
  readonly #connection: RedisQueueConnection
  readonly #instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  #context: QueueContext | null = null
  /** The storage served (known before `start` for producers, see `attach`). */
  #storage: Storage | null = null
  #subscriber: RedisConnectionLike | null = null
  #stopped = false
  /** The storage announced work Redis may not hold (an outbox send), or Redis missed some: look there too. */
  #storageHint = false
  #unlisten: (() => Promise<void>) | null = null
  #reconcileTimer: NodeJS.Timeout | null = null
  #reconciling: Promise<number | null> | null = null
  #lastReconcileRequest = 0
  #buffer: { work: DueWork[]; wake: boolean } = { work: [], wake: false }
  #flushing: Promise<void> | null = null

  constructor(options: ResolvedOptions) {
    this.#options = options
    this.#connection = new RedisQueueConnection(options, {
      stopped: () => this.#stopped,
      storage: () => this.#storage,
      emit: () => this.#context?.emit,
      onReconnect: () => {
        this.#storageHint = true
        this.#lastReconcileRequest = 0
        this.#requestReconcile()
        this.#context?.onWake()
      },
    })
    const link: RedisLink = {
      instanceId: this.#instanceId,
      commands: () => this.#connection.usable(),
      ready: () => this.#connection.ready().catch(() => null),
      key: (name) => this.#connection.key(name),
      report: (error, context) => this.#connection.report(error, context),
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
    await this.#connection.resolveNamespace()
    const commands = this.#connection.connect()
    const subscriber = this.#options.factory({ ...this.#connection.connectionOptions(), enableOfflineQueue: true, connectionName: 'hookrelay-sub' })
    this.#subscriber = subscriber
    subscriber.on('error', (error: Error) => this.#connection.report(error, 'queue.redis.connection'))
    subscriber.on('message', (channel: string, message: string) => this.#onMessage(channel, message))
    // Once subscribed, ioredis subscribes again by itself after a reconnection; until then
    // (Redis was down at start, or the command timed out) each new connection tries.
    let subscribed = false
    const subscribe = () => {
      if (subscribed || this.#stopped) return
      subscriber.subscribe(this.#connection.key('wake'), this.coordination.channel).then(
        () => {
          subscribed = true
        },
        (error: unknown) => this.#connection.report(error, 'queue.redis.subscribe'),
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
          (error) => this.#connection.report(error, 'queue.listen'),
        )
      } catch (error) {
        this.#connection.report(error, 'queue.listen')
      }
    }
    // Wait a moment for Redis; without it the workers start on the database and switch when it answers.
    if (!(await whenReady(commands, this.#options.commandTimeoutMs * 2))) {
      this.#connection.report(new Error('Redis is not reachable yet; claiming from the database until it is.'), 'queue.redis.connection')
    }
    this.#scheduleReconcile(0)
  }

  /** The dashboard's fleet channel, over Redis pub/sub (see `redis-live-channel.ts`). */
  liveChannel(): FleetBroadcast {
    return redisLiveChannel(this.#connection, this.#options)
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
    this.#subscriber = null
    const commands = this.#connection.release()
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
    const redis = this.#connection.usable()
    if (!redis) return this.#connection.retry(() => storage.claimDeliveries(options))

    const now = options.now.getTime()
    let popped: { reconciledAt: number | null; ids: string[] }
    try {
      popped = parsePopped(
        await POP_DUE.run(redis, [this.#connection.key('due'), this.#connection.key('reconciled-at'), this.#connection.key('handed-out')], [
          now,
          options.limit,
          now - HANDED_OUT_MEMORY_MS,
        ]),
      )
    } catch (error) {
      this.#connection.redisFailed(error, 'queue.redis.claim')
      return this.#connection.retry(() => storage.claimDeliveries(options))
    }

    let claimed: ClaimedDelivery[] = []
    if (popped.ids.length > 0) {
      try {
        claimed = await this.#connection.retry(() => storage.claimDeliveriesByIds(popped.ids, options))
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
      claimed = await this.#connection.retry(() => storage.claimDeliveries(options))
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
    const redis = this.#connection.usable()
    if (!redis) return
    const ids = claimed.map((c) => c.delivery.id)
    redis.call('ZREM', this.#connection.key('due'), ...ids).catch((error: unknown) => this.#connection.report(error, 'queue.redis.claim'))
  }

  async reconcile(): Promise<number | null> {
    this.#reconciling ??= this.#reconcileOnce().finally(() => {
      this.#reconciling = null
    })
    return this.#reconciling
  }

  async #reconcileOnce(): Promise<number | null> {
    const context = this.#context
    const redis = this.#connection.usable()
    if (!context || !redis || this.#stopped) return null
    return reconcileOnce(context, redis, this.#connection, this.#options, this.#instanceId)
  }

  #scheduleReconcile(ms: number): void {
    if (this.#stopped) return
    if (this.#reconcileTimer) clearTimeout(this.#reconcileTimer)
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = null
      this.reconcile()
        .catch((error: unknown) => this.#connection.report(error, 'queue.redis.reconcile'))
        .finally(() => this.#scheduleReconcile(this.#options.reconcileIntervalMs))
    }, ms)
    this.#reconcileTimer.unref()
  }

  /** Reconcile soon (Redis came back, or was found empty); at most twice per interval. */
  #requestReconcile(): void {
    // Wall clock on purpose: a throttle on Redis round trips, unrelated to when deliveries are due.
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
        const redis = await this.#connection.ready()
        for (let i = 0; i < work.length || (i === 0 && wake); i += ENQUEUE_CHUNK) {
          const last = i + ENQUEUE_CHUNK >= work.length
          const channel = wake && last ? this.#connection.key('wake') : ''
          await ENQUEUE.run(redis, [this.#connection.key('due')], ['', channel, this.#instanceId, ...pairs(work.slice(i, i + ENQUEUE_CHUNK))])
        }
        if (wake) this.#context?.onWake()
      } catch (error) {
        // Redis does not hold this work: workers look in the database (and the reconciler adds it later).
        this.#connection.redisFailed(error, 'queue.redis.enqueue')
        this.#storageHint = true
        this.#context?.onWake()
      }
    }
  }

  // ---- messages -----------------------------------------------------------------------------

  #onMessage(channel: string, message: string): void {
    if (channel === this.coordination.channel) {
      this.coordination.receive(message)
    } else if (channel === this.#connection.key('wake') && message !== this.#instanceId) {
      this.#context?.onWake()
    }
  }
}
