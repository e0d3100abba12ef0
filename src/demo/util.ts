/** Small helpers shared by the scenarios: assertions, waiting, percentiles, cleanup. */

/** Thrown when hookrelay did not do what a scenario shows: the demo then exits non-zero. */
export class DemoAssertionError extends Error {
  override name = 'DemoAssertionError'
}

/** Throws a {@link DemoAssertionError} when `condition` is false. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoAssertionError(message)
}

/** `check(actual === expected)` with both values in the message. */
export function checkEqual<T>(actual: T, expected: T, what: string): void {
  check(Object.is(actual, expected), `${what}: expected ${String(expected)}, got ${String(actual)}`)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` every `everyMs` until it holds; throws after `timeoutMs` saying what it waited for. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new DemoAssertionError(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** A stack of cleanup steps, run in reverse order; every step runs even if one fails. */
export class Cleanup {
  readonly #steps: Array<() => unknown> = []

  add(step: () => unknown): void {
    this.#steps.push(step)
  }

  async run(): Promise<void> {
    const errors: unknown[] = []
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!
      try {
        await step()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw errors[0]
  }
}
