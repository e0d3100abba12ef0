/**
 * Reads a Fetch `Request` body, stopping as soon as more than `limit` bytes arrived (the receiver
 * then answers 413). A declared `content-length` above the limit is not read at all.
 */
export async function readFetchBody(request: Request, limit: number): Promise<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > limit || request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
}
