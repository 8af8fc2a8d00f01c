import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('streams over $name', (factory) => {
  it('delivers each yield of a reused 64 KiB buffer as it was when yielded (large binary is posted at once, not copied twice)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const seen: number[] = []
    for await (const chunk of api.reusedBuffer(40)) {
      expect(chunk.byteLength).toBe(64 * 1024)
      // Every byte of the chunk holds the value it was filled with before that yield.
      expect(chunk[0]).toBe(chunk[chunk.length - 1])
      seen.push(chunk[0]!)
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i))
  })

  it('streams what an async function resolves to when that is an AsyncIterable, as its type says', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: number[] = []
    for await (const n of api.laterIterable(4)) got.push(n)
    expect(got).toEqual([0, 1, 2, 3])
    expect(await api.laterIterable(2)).toBeUndefined()
  })

  it('delivers an AsyncIterable inside a result as an async iterator of its items', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { name, feed } = await api.withFeed(3)
    expect(name).toBe('feed')
    const got: { n: number }[] = []
    for await (const x of feed) got.push(x)
    expect(got).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }])
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('delivers every yield in order, then the return value to await', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.count(200)
    const got: number[] = []
    for await (const x of call) got.push(x)
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(await call).toBe('counted 200')
  })

  it('gives the return value to a plain await, running the generator to the end', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.count(1000)).toBe('counted 1000')
    expect((await api.probe()).finallies.count).toBe(1)
  })

  it('starts a new generator for each call', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const [a, b] = [api.count(3), api.count(5)]
    const collect = async (c: AsyncIterable<number>) => {
      const out: number[] = []
      for await (const x of c) out.push(x)
      return out
    }
    expect(await Promise.all([collect(a), collect(b)])).toEqual([
      [0, 1, 2],
      [0, 1, 2, 3, 4],
    ])
    expect((await api.probe()).finallies.count).toBe(2)
  })

  it('streams any async iterable, not only generators', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: number[] = []
    for await (const x of api.plainIterable(4)) got.push(x)
    expect(got).toEqual([0, 1, 2, 3])
  })

  it('snapshots each yield, so mutating an object after yielding it does not change what was sent', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: number[] = []
    for await (const x of api.mutating(100)) got.push(x.i)
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('rejects iterating a plain call, and tells you to await it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.add(1, 2) as unknown as AsyncIterable<number>
    await expect(async () => {
      for await (const _ of call) void _
    }).rejects.toThrow(/returned a value, not a stream/)
  })

  it('refuses to iterate a call that is already being awaited', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.count(3)
    const done = call.then((v) => v)
    expect(() => call[Symbol.asyncIterator]()).toThrow(/already being awaited/)
    expect(await done).toBe('counted 3')
  })

  describe('seed patterns', () => {
    it('progress with a final summary', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      const job = api.processFiles(['a.txt', 'b.bad', 'c.txt', 'd.txt'])
      const progress: string[] = []
      for await (const p of job) progress.push(`${p.done}/${p.total}`)
      expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4'])
      expect(await job).toEqual({ ok: 3, failed: ['b.bad'] })
    })

    it('an upload-style loop of calls', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      let total = 0
      for (let i = 0; i < 50; i++) total = await api.uploadChunk('f', new Uint8Array(1000 + i))
      expect(total).toBe(50 * 1000 + (49 * 50) / 2)
      expect(await api.uploadDone('f')).toEqual({ chunks: 50, bytes: total })
    })

    it('a cancellable recursive search, cancelled after N results', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      const found: string[] = []
      for await (const path of api.search(6, 6)) {
        found.push(path)
        if (found.length === 500) break
      }
      expect(found).toHaveLength(500)
      expect(found[0]).toBe('root/0')
      await pair.waitFor((s) => s.streams === 0)
      expect((await api.probe()).finallies.search).toBe(1)
    })

    it('LLM-style token streaming, 20k tokens in order', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      const call = api.tokens(20_000)
      let text = ''
      let n = 0
      for await (const t of call) {
        text += t
        n++
      }
      expect(n).toBe(20_000)
      expect(text.startsWith('the quick brown fox jumps over a lazy dog.the quick')).toBe(true)
      expect(await call).toEqual({ tokens: 20_000 })
    })

    it('an error after two yields arrives after both yields', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      const call = api.failAfterTwo()
      const got: number[] = []
      await expect(async () => {
        for await (const x of call) got.push(x)
      }).rejects.toMatchObject({ name: 'QuotaError', message: 'quota exceeded after two', limit: 2 })
      expect(got).toEqual([1, 2])
      await expect(call).rejects.toMatchObject({ name: 'QuotaError' })
    })

    it('fan-out: one consumer reading many streams at once', async () => {
      await using pair = await factory.make()
      const { api } = pair.connect()
      const streams = Array.from({ length: 8 }, (_, k) => api.count(100 + k))
      const totals = await Promise.all(
        streams.map(async (s) => {
          let sum = 0
          for await (const x of s) sum += x
          return sum
        }),
      )
      expect(totals).toEqual(streams.map((_, k) => ((100 + k) * (99 + k)) / 2))
      expect(await Promise.all(streams)).toEqual(streams.map((_, k) => `counted ${100 + k}`))
    })
  })
})
