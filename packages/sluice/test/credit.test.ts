import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms))

describe.each(pairs)('credit over $name', (factory) => {
  it('holds a never-read infinite stream at 64 items, with the generator suspended', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.infinite()
    await settle(100)
    const first = (await api.probe()).produced.infinite
    await settle(100)
    const second = (await api.probe()).produced.infinite
    expect(first).toBe(64)
    expect(second).toBe(64)
    await call.cancel()
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.infinite).toBe(1)
  })

  it('lets the producer run only as far as the reader plus the window', async () => {
    await using pair = await factory.make()
    // A fixed window of 64, as before the window could grow.
    const { api } = pair.connect({ client: { flow: { maxWindow: 64 } } })
    const it = api.infinite()[Symbol.asyncIterator]()
    for (let i = 0; i < 40; i++) expect((await it.next()).value).toEqual({ i })
    await settle(100)
    const produced = (await api.probe()).produced.infinite!
    // 40 read, and never more than one window (64) beyond what was read: 32 acknowledged at half the window,
    // plus what the starvation rule gave back whenever the reader waited on an empty queue.
    expect(produced).toBeGreaterThanOrEqual(64)
    expect(produced).toBeLessThanOrEqual(40 + 64)
    await it.return!()
  })

  it('grows the window while the reader keeps up, but never past maxWindow', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { maxWindow: 512 } } })
    const key = `grow-${Math.random()}`
    const it = api.counted(key)[Symbol.asyncIterator]()
    for (let i = 0; i < 3000; i++) expect((await it.next()).value).toEqual({ i })
    await settle(100)
    const ahead = (await api.producedSoFar(key)) + 1 - 3000
    // It ran further ahead than the starting window of 64, and no further than the cap.
    expect(ahead).toBeGreaterThan(64)
    expect(ahead).toBeLessThanOrEqual(512)
    await it.return!()
  })

  it('holds a slow reader to the window it started with', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const key = `slow-${Math.random()}`
    const it = api.counted(key)[Symbol.asyncIterator]()
    for (let i = 0; i < 100; i++) {
      expect((await it.next()).value).toEqual({ i })
      await settle(2)
    }
    await settle(50)
    // The queue never drained, so the window never grew: at most one window past what was read.
    expect((await api.producedSoFar(key)) + 1 - 100).toBeLessThanOrEqual(64)
    await it.return!()
  })

  it('caps the window in bytes: 64 KiB items under maxWindowBytes of 1 MiB stay within 16 items ahead', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { maxWindowBytes: 1024 * 1024, initialWindow: 8 } } })
    const key = `bytes-${Math.random()}`
    const it = api.chunks(key, 64 * 1024)[Symbol.asyncIterator]()
    for (let i = 0; i < 400; i++) expect(((await it.next()).value as Uint8Array).byteLength).toBe(64 * 1024)
    await settle(100)
    expect((await api.producedSoFar(key)) + 1 - 400).toBeLessThanOrEqual(17)
    await it.return!()
  })

  it("with pace 'animation-frame', grants credit only at the page's next frame", async () => {
    const frames: (() => void)[] = []
    const g = globalThis as { requestAnimationFrame?: (cb: () => void) => number }
    g.requestAnimationFrame = (cb) => frames.push(cb)
    try {
      await using pair = await factory.make()
      const { api } = pair.connect({ client: { pace: 'animation-frame', flow: { maxWindow: 64 } } })
      const key = `paced-${Math.random()}`
      const it = api.counted(key)[Symbol.asyncIterator]()
      for (let i = 0; i < 64; i++) expect((await it.next()).value).toEqual({ i })
      const reading = it.next()
      await settle(20)
      // Everything granted was read, and the reader waits, yet no credit went out: it waits for a frame.
      expect((await api.producedSoFar(key)) + 1).toBe(64)
      expect(frames.length).toBe(1)
      frames.shift()!()
      expect((await reading).value).toEqual({ i: 64 })
      await settle(20)
      expect((await api.producedSoFar(key)) + 1).toBeGreaterThan(64)
      await it.return!()
    } finally {
      delete g.requestAnimationFrame
    }
  })

  it("honours the client's initial window, and grants back at half of it", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { initialWindow: 8 } } })
    const it = api.infinite()[Symbol.asyncIterator]()
    await settle(80)
    expect((await api.probe()).produced.infinite).toBe(8)
    for (let i = 0; i < 4; i++) await it.next()
    await settle(80)
    expect((await api.probe()).produced.infinite).toBe(12)
    await it.return!()
  })

  it('does not deadlock with the smallest window', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { initialWindow: 1, maxWindow: 1 } } })
    const got: number[] = []
    for await (const x of api.count(50)) got.push(x)
    expect(got).toHaveLength(50)
  })

  it('pauses a producer while its reader is slow, and resumes it when the reader catches up', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const it = api.slowConsumerProbe()[Symbol.asyncIterator]()
    await it.next()
    await settle(60)
    const paused = (await api.probe()).produced.slowConsumerProbe!
    await settle(60)
    expect((await api.probe()).produced.slowConsumerProbe).toBe(paused)
    for (let i = 0; i < 200; i++) await it.next()
    await settle(60)
    expect((await api.probe()).produced.slowConsumerProbe!).toBeGreaterThan(200)
    await it.return!()
  })
})
