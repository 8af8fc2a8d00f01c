import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('channels over $name', (factory) => {
  it('carries messages both ways', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.chat('> ')
    const got: string[] = []
    ch.listen((m) => void got.push(m))
    await ch.send('hello')
    await ch.send('world')
    await expect.poll(() => got).toEqual(['> HELLO', '> WORLD'])
  })

  it('close() from the host end runs onClose on both ends', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.chat('')
    const reasons: unknown[] = []
    ch.onClose((r) => reasons.push(r))
    await ch.send('bye') // the host closes on 'bye'
    await expect.poll(() => reasons).toEqual([undefined])
    expect(ch.closed).toBe(true)
    await expect(ch.send('again')).rejects.toThrow(/closed/)
    await expect.poll(async () => (await api.primitivesProbe()).channelCloses).toEqual(['closed'])
    await pair.waitFor((s) => s.refs === 0)
  })

  it('close() from the client end runs the host onClose', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.chat('')
    ch.close()
    await expect.poll(async () => (await api.primitivesProbe()).channelCloses).toEqual(['closed'])
    await pair.waitFor((s) => s.refs === 0)
  })

  it('the peer going away closes the channel with a DisconnectedError on both ends', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const ch = await peer.api.chat('')
    const reasons: unknown[] = []
    ch.onClose((r) => reasons.push(r))
    peer.port.close()
    await expect.poll(() => reasons.map((r) => (r as Error)?.name)).toEqual(['DisconnectedError'])
    await expect.poll(async () => (await pair.connect().api.primitivesProbe()).channelCloses).toEqual(['DisconnectedError'])
    await pair.waitFor((s) => s.refs === 0 && s.connections === 1)
  })

  it('send() waits for room: a slow listener holds the sender to its window', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.flood(1000)
    await new Promise((r) => setTimeout(r, 50))
    const got: number[] = []
    let release: () => void = () => {}
    ch.listen(async (n) => {
      got.push(n)
      if (n === 3) await new Promise<void>((r) => (release = r))
    })
    await new Promise((r) => setTimeout(r, 50))
    // Held at item 3: the host cannot have sent more than the client's window beyond what was delivered.
    expect(got.at(-1)).toBe(3)
    release()
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(1000)
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })

  it('Broadcast sends to every subscriber, and drops closed ones', async () => {
    await using pair = await factory.make()
    const a = pair.connect()
    const b = pair.connect()
    const chA = await a.api.dashboard()
    const chB = await b.api.dashboard()
    const gotA: number[] = []
    const gotB: number[] = []
    chA.listen((m) => void gotA.push(m.tick))
    chB.listen((m) => void gotB.push(m.tick))
    await new Promise((r) => setTimeout(r, 20))
    expect(await a.api.publish(1)).toBe(2)
    await expect.poll(() => [gotA, gotB]).toEqual([[1], [1]])
    chB.close()
    await expect.poll(() => a.api.publish(2)).toBe(1)
    await expect.poll(() => gotA).toContain(2)
  })
})
