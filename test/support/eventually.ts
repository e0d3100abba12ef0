/** Retries `check` until it stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  }
}
