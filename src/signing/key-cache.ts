/**
 * A small bounded map from secret string to decoded key material, so the hot path (one `sign()`
 * per HTTP attempt) does not decode base64 or build key objects again and again. When full, the
 * oldest entry goes. Only valid secrets are stored.
 */
export class KeyCache<V> {
  readonly #entries = new Map<string, V>()
  readonly #limit: number

  constructor(limit = 512) {
    this.#limit = limit
  }

  get(secret: string): V | undefined {
    return this.#entries.get(secret)
  }

  set(secret: string, value: V): void {
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(secret, value)
  }

  get size(): number {
    return this.#entries.size
  }
}
