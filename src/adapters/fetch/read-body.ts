import { DISCARD_LIMIT_BYTES } from '../node/read-raw-body.js'

/** The bytes of a Fetch body read; `complete` is false when it was over the limit. */
export interface FetchBody {
  body: Uint8Array
  complete: boolean
}

/**
 * Reads a Fetch `Request` body. Past `limit` bytes it keeps nothing more but reads on to the end
 * (up to `DISCARD_LIMIT_BYTES` more) so that a client still sending reads the 413 rather than a
 * reset; beyond that, or when a declared `content-length` is beyond it, the body is cancelled.
 */
export async function readFetchBody(request: Request, limit: number): Promise<FetchBody> {
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (request.body === null) return { body: new Uint8Array(0), complete: true }
  if (declared > limit + DISCARD_LIMIT_BYTES) {
    await request.body.cancel().catch(() => undefined)
    return { body: new Uint8Array(0), complete: false }
  }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let kept = 0
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (kept <= limit) {
      chunks.push(value)
      kept += value.byteLength
    }
    if (size > limit + DISCARD_LIMIT_BYTES) {
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept), complete: size <= limit }
}
