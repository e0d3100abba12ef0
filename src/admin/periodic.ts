/**
 * Runs `task` every `intervalMs` (first after `firstMs`), one run at a time, on an unref'd timer
 * so it never keeps the process alive. Errors go to `onError`; the schedule goes on.
 */
export class PeriodicTask {
  readonly #task: () => Promise<unknown>
  readonly #intervalMs: number
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #stopped = false

  constructor(task: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void) {
    this.#task = task
    this.#intervalMs = intervalMs
    this.#onError = onError
  }

  start(firstMs = this.#intervalMs): void {
    if (this.#timer || this.#stopped) return
    this.#schedule(firstMs)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#running
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#running = this.#task()
        .then(
          () => undefined,
          (error: unknown) => this.#onError(error),
        )
        .finally(() => {
          this.#running = null
          if (!this.#stopped) this.#schedule(this.#intervalMs)
        })
    }, ms)
    this.#timer.unref()
  }
}
