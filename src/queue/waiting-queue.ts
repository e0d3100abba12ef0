/**
 * Items claimed ahead and waiting for a slot (see `ClaimLoop`), oldest first, each with the time
 * it was claimed. `shift` is O(1): it moves a head index instead of re-indexing the array.
 *
 * The consumed prefix is dropped once it is at least `COMPACT_AT` long and half the array. Under
 * steady load the queue is never empty (claiming ahead keeps a batch in it), so without that the
 * arrays grew by one entry per delivery until the queue happened to drain: 16 bytes per delivery
 * and a copy of the whole array at every growth (a million deliveries left ~16 MB of arrays and
 * their discarded copies for V8's large-object space).
 */
export class WaitingQueue<T> {
  #items: (T | undefined)[] = []
  #since: number[] = []
  #head = 0

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** The length of the arrays behind the queue: bounded by what waits at once, not by what went through. */
  get capacity(): number {
    return this.#items.length
  }

  /** When the oldest waiting item was claimed, or `undefined` when none waits. */
  oldestSince(): number | undefined {
    return this.#head < this.#items.length ? this.#since[this.#head] : undefined
  }

  push(item: T, since: number): void {
    this.#items.push(item)
    this.#since.push(since)
  }

  /** Removes and returns the oldest item; the queue must not be empty. */
  shift(): T {
    const head = this.#head
    const item = this.#items[head] as T
    this.#items[head] = undefined
    this.#head = head + 1
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#since = []
      this.#head = 0
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#since = this.#since.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes the items `predicate` selects and returns them, oldest first; the others keep their order and times. */
  take(predicate: (item: T) => boolean): T[] {
    const taken: T[] = []
    const keptItems: (T | undefined)[] = []
    const keptSince: number[] = []
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T
      if (predicate(item)) taken.push(item)
      else {
        keptItems.push(item)
        keptSince.push(this.#since[i]!)
      }
    }
    if (taken.length > 0 || this.#head > 0) {
      this.#items = keptItems
      this.#since = keptSince
      this.#head = 0
    }
    return taken
  }
}

/** The consumed prefix is dropped from this length on (and once it is half the array). */
const COMPACT_AT = 256
