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
    const { api } = pair.connect()
    const it = api.infinite()[Symbol.asyncIterator]()
    for (let i = 0; i < 40; i++) expect((await it.next()).value).toEqual({ i })
    await settle(100)
    const produced = (await api.probe()).produced.infinite!
    // 40 read; 32 of them acknowledged, so at most 32 + 64 produced.
    expect(produced).toBeGreaterThanOrEqual(64)
    expect(produced).toBeLessThanOrEqual(32 + 64)
    await it.return!()
  })

  it('honours the host credit and the client ack batch', async () => {
    await using pair = await factory.make({ credit: 8 })
    const { api } = pair.connect({ client: { ackEvery: 4 } })
    const it = api.infinite()[Symbol.asyncIterator]()
    await settle(80)
    expect((await api.probe()).produced.infinite).toBe(8)
    for (let i = 0; i < 4; i++) await it.next()
    await settle(80)
    expect((await api.probe()).produced.infinite).toBe(12)
    await it.return!()
  })

  it('does not deadlock when the client batch is larger than the host window', async () => {
    await using pair = await factory.make({ credit: 4 })
    const { api } = pair.connect({ client: { ackEvery: 1000 } })
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
