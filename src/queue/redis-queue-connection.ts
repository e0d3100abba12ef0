import { toError } from '../core/emitter.js'
import pRetry from 'p-retry'
import { RelayStateError, ValidationError } from '../core/errors.js'
import type { Storage } from '../storage/storage.js'
import type { QueueContext } from './queue-driver.js'
import { whenReady, type RedisConnectionLike } from './redis-client.js'
import type { ResolvedOptions } from './redis-queue-options.js'

/** How often the same kind of Redis failure is reported while it lasts. */
const REPORT_EVERY_MS = 10_000
/** After a failed command, workers claim from the database for this long before trying Redis again. */
const BYPASS_MS = 2_000

/** What the connection needs to know of the driver that owns it. */
export interface ConnectionHost {
  stopped(): boolean
  storage(): Storage | null
  emit(): QueueContext['emit'] | undefined
  /** The command connection is ready again after an outage. */
  onReconnect(): void
}

/**
 * The Redis queue's command connection, its key namespace (the database identity) and its error
 * reporting: opened on first use, skipped for a while after a failed command.
 */
export class RedisQueueConnection {
  readonly #options: ResolvedOptions
  readonly #host: ConnectionHost
  /** `keyPrefix` + the database identity + `:`, once read from the storage. */
  #namespace: string | null = null
  #resolving: Promise<string> | null = null
  #commands: RedisConnectionLike | null = null
  /** Until when workers skip Redis after a failed command. */
  #bypassUntil = 0
  readonly #reported = new Map<string, number>()

  constructor(options: ResolvedOptions, host: ConnectionHost) {
    this.#options = options
    this.#host = host
  }

  /** Hands over the command connection (if opened) to be closed, and forgets it. */
  release(): RedisConnectionLike | null {
    const commands = this.#commands
    this.#commands = null
    return commands
  }

  connectionOptions(): Record<string, unknown> {
    return {
      lazyConnect: false,
      keyPrefix: '',
      commandTimeout: this.#options.commandTimeoutMs,
      connectTimeout: Math.max(1_000, this.#options.commandTimeoutMs * 5),
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    }
  }

  /** The command connection, opened on first use (a producer that never starts workers also enqueues). */
  connect(): RedisConnectionLike {
    if (this.#commands) return this.#commands
    const commands = this.#options.factory({
      ...this.connectionOptions(),
      // Fail fast instead of queueing while Redis is away: the database takes over meanwhile.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectionName: 'hookrelay',
    })
    let wasReady = false
    commands.on('error', (error: Error) => this.report(error, 'queue.redis.connection'))
    commands.on('ready', () => {
      this.#bypassUntil = 0
      if (wasReady) {
        // Back after an outage: Redis may have lost data, and work arrived meanwhile.
        this.#host.onReconnect()
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
  resolveNamespace(): Promise<string> {
    if (this.#namespace !== null) return Promise.resolve(this.#namespace)
    this.#resolving ??= (async () => {
      const storage = this.#host.storage()
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
  usable(): RedisConnectionLike | null {
    if (this.#host.stopped()) return null
    if (this.#namespace === null) {
      // Not known yet (a producer's first send): use the database meanwhile.
      this.resolveNamespace().catch((error: unknown) => this.report(error, 'queue.redis.namespace'))
      return null
    }
    const commands = this.connect()
    if (commands.status !== 'ready' || Date.now() < this.#bypassUntil) return null
    return commands
  }

  /** The command connection once ready (waiting up to the command timeout for a first connection). */
  async ready(): Promise<RedisConnectionLike> {
    await this.resolveNamespace()
    const usable = this.usable()
    if (usable) return usable
    const commands = this.connect()
    if (Date.now() >= this.#bypassUntil && (await whenReady(commands, this.#options.commandTimeoutMs))) return commands
    throw new Error(`Redis is not reachable (connection ${commands.status}).`)
  }

  redisFailed(error: unknown, context: string): void {
    // Wall clock on purpose (here, in usable/ready and in report): how long to leave a failing
    // Redis alone is infrastructure timing, not relay time, and must pass under a frozen test clock.
    this.#bypassUntil = Date.now() + BYPASS_MS
    this.report(error, context)
  }

  key(name: string): string {
    if (this.#namespace === null) throw new RelayStateError('redisQueue: a key was needed before the database identity was read.')
    return this.#namespace + name
  }

  /** Bounded, jittered retries of a transient failure (storage or Redis). */
  retry<T>(fn: () => Promise<T>): Promise<T> {
    return pRetry(fn, { retries: 2, minTimeout: 50, maxTimeout: 500, randomize: true })
  }

  /** Emits an `error` event, at most once per `REPORT_EVERY_MS` per context while a failure lasts. */
  report(error: unknown, context: string): void {
    const now = Date.now()
    const last = this.#reported.get(context)
    if (last !== undefined && now - last < REPORT_EVERY_MS) return
    const emit = this.#host.emit()
    if (!emit) return
    this.#reported.set(context, now)
    try {
      emit('error', { error: toError(error), context })
    } catch {
      // A throwing error listener must not break the queue.
    }
  }
}
