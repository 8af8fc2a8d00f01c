import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

function source(chunks: number, size: number, onCancel?: (reason: unknown) => void) {
  let i = 0
  let pulls = 0
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++
        if (i === chunks) return controller.close()
        controller.enqueue(new Uint8Array(size).fill(i++ % 256))
      },
      cancel: onCancel,
    },
    { highWaterMark: 0 },
  )
  return { stream, pulls: () => pulls }
}

async function readAll(stream: ReadableStream<Uint8Array>) {
  let bytes = 0
  let chunks = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { bytes, chunks }
    bytes += value.byteLength
    chunks++
  }
}

describe.each(pairs)('ReadableStream over $name', (factory) => {
  it('host → client: a returned ReadableStream of bytes arrives as a ReadableStream', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const stream = await api.bytes(1_000_000, 65_536)
    expect(stream).toBeInstanceOf(ReadableStream)
    expect(await readAll(stream)).toEqual({ bytes: 1_000_000, chunks: 16 })
    await pair.waitFor((s) => s.refs === 0)
  })

  it('host → client: a stream of objects keeps their types', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: { i: number; at: Date }[] = []
    for await (const o of (await api.objects(100)) as unknown as AsyncIterable<{ i: number; at: Date }>) got.push(o)
    expect(got).toHaveLength(100)
    expect(got[99]).toEqual({ i: 99, at: new Date(100) })
  })

  it('host → client: a reader that does not read pauses the source', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const stream = await api.bytes(1 << 30, 65_536)
    await new Promise((r) => setTimeout(r, 50))
    expect((await api.primitivesProbe()).pulls).toBe(0) // nobody read: nothing was pulled
    const reader = stream.getReader()
    await reader.read()
    await new Promise((r) => setTimeout(r, 50))
    const pulls = (await api.primitivesProbe()).pulls
    expect(pulls).toBeGreaterThan(0)
    expect(pulls).toBeLessThanOrEqual(64 + 1) // one window, no more
    await reader.cancel()
  })

  it('host → client: cancelling the reader cancels the source (its cancel() runs)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const reader = (await api.bytes(1 << 30, 1024)).getReader()
    await reader.read()
    await reader.cancel('done here')
    await pair.waitFor((s) => s.refs === 0)
    await expect.poll(async () => (await api.primitivesProbe()).sourceCancels).toBe(1)
  })

  it('client → host: a ReadableStream argument is read on the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { stream } = source(100, 10_000)
    expect(await api.countBytes(stream)).toEqual({ bytes: 1_000_000, chunks: 100 })
    await pair.waitFor((s) => s.refs === 0)
  })

  it('client → host: the host cancelling its reader cancels the client source', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let cancelled: unknown
    const { stream, pulls } = source(1_000_000, 100, (reason) => (cancelled = reason))
    expect(await api.readSome(stream, 3)).toBe(3)
    await expect.poll(() => cancelled).toBeDefined()
    expect(pulls()).toBeLessThanOrEqual(3 + 64 + 1)
  })

  it('copies chunks, never transfers them: the sender keeps its buffers intact', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const chunks = Array.from({ length: 5 }, (_, i) => new Uint8Array(1000).fill(i))
    let i = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === chunks.length) controller.close()
        else controller.enqueue(chunks[i++]!)
      },
    })
    expect(await api.countBytes(stream)).toEqual({ bytes: 5000, chunks: 5 })
    // A transferred ArrayBuffer would be detached here (byteLength 0); Electron drops or refuses transfers anyway.
    expect(chunks.map((c) => [c.byteLength, c[0]])).toEqual([0, 1, 2, 3, 4].map((n) => [1000, n]))
    const bytes = new Uint8Array(64).fill(7)
    await api.echo(bytes)
    expect(bytes.byteLength).toBe(64)
  })

  it('both ways: gzip through CompressionStream on the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const text = 'sluice '.repeat(50_000)
    const input = new Blob([text]).stream() as ReadableStream<Uint8Array>
    const zipped = await api.gzip(input)
    const parts: Uint8Array[] = []
    for await (const part of zipped as unknown as AsyncIterable<Uint8Array>) parts.push(part)
    const gz = Buffer.concat(parts)
    expect(gz.byteLength).toBeLessThan(text.length / 50)
    expect(gunzipSync(gz).toString()).toBe(text)
    await pair.waitFor((s) => s.refs === 0)
  })

  it('the peer going away cancels the source and errors the reader', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const reader = (await peer.api.bytes(1 << 30, 1024)).getReader()
    await reader.read()
    await peer.closeFromHost()
    // What already arrived is still delivered; then the reader fails.
    const drain = async () => {
      for (let i = 0; i < 100; i++) await reader.read()
    }
    await expect(drain()).rejects.toMatchObject({ name: 'DisconnectedError' })
    await expect.poll(async () => (await pair.connect().api.primitivesProbe()).sourceCancels).toBe(1)
  })
})

describe.each(pairs)('async iterables as arguments over $name', (factory) => {
  it('uploads chunks from an async generator, with credit', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let produced = 0
    async function* chunks() {
      for (let i = 0; i < 500; i++) {
        produced++
        yield new Uint8Array(1000)
      }
    }
    expect(await api.upload(chunks())).toBe(500_000)
    expect(produced).toBe(500)
    await pair.waitFor((s) => s.refs === 0)
  })

  it('never runs ahead of the host by more than a window, and break stops the producer', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let produced = 0
    let finalized = 0
    async function* numbers() {
      try {
        for (let i = 0; ; i++) {
          produced++
          yield i
        }
      } finally {
        finalized++
      }
    }
    expect(await api.uploadFirst(numbers(), 5)).toEqual([0, 1, 2, 3, 4])
    await expect.poll(() => finalized).toBe(1)
    // Outstanding items never exceed the window: produced ≤ consumed + window (+1 for the final step).
    expect(produced).toBeLessThanOrEqual(5 + 64 + 1)
  })

  it('an item that cannot be sent fails the host reader and stops the client generator', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let finalized = 0
    async function* bad() {
      try {
        yield new Uint8Array(10)
        yield Symbol('unsendable') as unknown as Uint8Array
        yield new Uint8Array(10)
      } finally {
        finalized++
      }
    }
    await expect(api.upload(bad())).rejects.toThrow()
    await expect.poll(() => finalized).toBe(1)
    await pair.waitFor((s) => s.refs === 0)
  })

  it('a StreamCall from one call can be passed straight into another', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.uploadFirst(api.count(1000), 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    await pair.waitFor((s) => s.streams === 0 && s.refs === 0)
  })
})
