/**
 * The QueueDriver port: how workers learn that work is due. The storage is always the source of
 * truth and workers always poll it at `delivery.pollInterval`; a driver only makes them hear about
 * new work sooner (in this process, through Postgres NOTIFY, or through Redis).
 */
export interface QueueDriver {
  /** A short name for diagnostics, e.g. `'storage-polling'`. */
  readonly name: string
  /** Starts listening; `onWake` is called whenever new work may be due. */
  start(onWake: () => void): Promise<void>
  /** Says that work became due (after a commit), to this process and, if it can, to others. */
  notify(): void
  /** Stops listening and releases what `start` opened. */
  stop(): Promise<void>
}
