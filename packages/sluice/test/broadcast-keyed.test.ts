import { describe, expect, it } from 'vitest'
import { Broadcast } from '../src/main/index.js'
import type { BroadcastMessage } from '../src/shared/index.js'
import { pairs, type Peer } from './__shared__/pairs.js'

type Message = BroadcastMessage<number>

/** Reads `n` messages (fewer if the stream ends first). */
async function take(it: AsyncIterator<Message>, n: number): Promise<Message[]> {
  const out: Message[] = []
  while (out.length < n) {
    const step = await it.next()
    if (step.done === true) break
    out.push(step.value)
  }
  return out
}

/**
 * The delivery invariant: values and gaps are increasing, disjoint, and cover `first`..`last` with no hole.
 * Returns how many gaps there were.
 */
function checkCoverage(messages: Message[], first: number, last: number): number {
  let expected = first
  let gaps = 0
  for (const m of messages) {
    if (m.kind === 'value') {
      expect(m.seq).toBe(expected)
      expected = m.seq + 1
    } else {
      expect(m.from).toBe(expected)
      expect(m.to).toBeGreaterThanOrEqual(m.from)
      expected = m.to + 1
      gaps++
    }
  }
  expect(expected).toBe(last + 1)
  return gaps
}

/** Reads until the value numbered `seq` (inclusive). */
async function readTo(it: AsyncIterator<Message>, seq: number): Promise<Message[]> {
  const out: Message[] = []
  for (;;) {
    const step = await it.next()
    if (step.done === true) throw new Error(`the stream ended before seq ${seq}`)
    out.push(step.value)
    if (step.value.kind === 'value' && step.value.seq >= seq) return out
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Publishes from..to under `key` in calls of `chunk` values: each call is its own task on the host. */
async function publishRange(peer: Peer, key: string, from: number, to: number, chunk = 10): Promise<void> {
  for (let at = from; at <= to; at += chunk) await peer.api.keyed.publish(key, ...range(at, Math.min(to, at + chunk - 1)))
}

/** Waits until the host counts `n` subscribers on each of `keys`. */
async function subscribed(peer: Peer, keys: string[], n = 1): Promise<void> {
  await expect.poll(async () => (await peer.api.keyed.probe(keys)).counts).toEqual(keys.map(() => n))
}

describe.each(pairs)('keyed Broadcast over $name', (factory) => {
  it('numbers values per key and delivers each key’s values in order', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const a = peer.api.keyed.subscribe('A')[Symbol.asyncIterator]()
    const b = peer.api.keyed.subscribe('B')[Symbol.asyncIterator]()
    await subscribed(peer, ['A', 'B'])
    expect(await peer.api.keyed.publish('A', 10, 11, 12)).toBe(3)
    expect(await peer.api.keyed.publish('B', 20)).toBe(1)
    expect(await peer.api.keyed.publish('A', 13)).toBe(4)
    expect(await take(a, 4)).toEqual([10, 11, 12, 13].map((value, i) => ({ kind: 'value', key: 'A', seq: i + 1, value })))
    expect(await take(b, 1)).toEqual([{ kind: 'value', key: 'B', seq: 1, value: 20 }])
    await a.return!()
    await b.return!()
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a subscriber that stalls gets one gap marker when it reads again, then the latest value, and loses nothing silently', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const got: Message[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const reading = (async () => {
      for await (const m of peer.api.keyed.subscribe('S', { window: 16 })) {
        got.push(m)
        if (m.kind === 'value' && m.seq === 1) await gate // a listener that awaits a slow promise
        if (m.kind === 'value' && m.seq === 1001) break
      }
    })()
    await subscribed(peer, ['S'])
    await peer.api.keyed.publish('S', 1)
    await expect.poll(() => got.length).toBe(1)
    await publishRange(peer, 'S', 2, 1000)
    // Stalled: the page's credit is used up, the host holds the subscriber's window, and no more.
    // (A grant still on its way may let the driver take a few more from the queue: at most, not exactly.)
    const held = await peer.api.keyed.probe(['S'])
    expect(held.behind).toBe(1)
    expect(held.queued).toBeLessThanOrEqual(16)
    release()
    await expect.poll(() => got.at(-1)).toEqual({ kind: 'value', key: 'S', seq: 1000, value: 1000 })
    expect(checkCoverage(got, 1, 1000)).toBe(1)
    const gap = got.find((m) => m.kind === 'gap')!
    // Before the gap: what the page's credit and the host's window held; after it, only the latest value.
    expect(got.indexOf(gap)).toBeGreaterThan(16)
    expect(got.indexOf(gap)).toBe(got.length - 2)
    // And it continues.
    await peer.api.keyed.publish('S', 1001)
    await reading
    expect(got.at(-1)).toEqual({ kind: 'value', key: 'S', seq: 1001, value: 1001 })
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
    expect((await peer.api.keyed.probe(['S'])).counts).toEqual([0])
  })

  it('a late subscriber asks for the last value and receives it first, with its seq', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.keyed.publish('L', 1, 2, 3)
    const late = peer.api.keyed.subscribe('L', { last: true })[Symbol.asyncIterator]()
    expect(await take(late, 1)).toEqual([{ kind: 'value', key: 'L', seq: 3, value: 3 }])
    const plain = peer.api.keyed.subscribe('L')[Symbol.asyncIterator]()
    await subscribed(peer, ['L'], 2)
    await peer.api.keyed.publish('L', 4)
    expect(await take(plain, 1)).toEqual([{ kind: 'value', key: 'L', seq: 4, value: 4 }])
    expect(await take(late, 1)).toEqual([{ kind: 'value', key: 'L', seq: 4, value: 4 }])
    // A key never published has no last value: the subscriber starts at seq 1.
    const fresh = peer.api.keyed.subscribe('never', { last: true })[Symbol.asyncIterator]()
    await subscribed(peer, ['never'])
    await peer.api.keyed.publish('never', 7)
    expect(await take(fresh, 1)).toEqual([{ kind: 'value', key: 'never', seq: 1, value: 7 }])
    await Promise.all([late.return!(), plain.return!(), fresh.return!()])
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('keys are isolated: a stalled subscriber of one key neither holds back nor gaps another', async () => {
    await using pair = await factory.make()
    const stalled = pair.connect()
    const fast = pair.connect()
    const x = stalled.api.keyed.subscribe('X', { window: 4 })[Symbol.asyncIterator]()
    const yGot: Message[] = []
    const reading = (async () => {
      for await (const m of fast.api.keyed.subscribe('Y', { window: 4 })) {
        yGot.push(m)
        if (m.kind === 'value' && m.seq === 300) break
      }
    })()
    await subscribed(fast, ['X', 'Y'])
    for (let at = 1; at <= 300; at += 3) {
      await fast.api.keyed.publish('X', ...range(at, at + 2))
      await fast.api.keyed.publish('Y', ...range(at, at + 2))
    }
    await reading
    expect(checkCoverage(yGot, 1, 300)).toBe(0)
    expect(yGot.every((m) => m.key === 'Y')).toBe(true)
    // The stalled one fell behind on X alone: reading now, it gets its gap and X's latest value.
    const held = await fast.api.keyed.probe(['X', 'Y'])
    expect(held).toMatchObject({ behind: 1, counts: [1, 0] })
    expect(held.queued).toBeLessThanOrEqual(4)
    const xGot = await readTo(x, 300)
    expect(checkCoverage(xGot, 1, 300)).toBe(1)
    expect(xGot.every((m) => m.key === 'X')).toBe(true)
    await x.return!()
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('break unsubscribes: the subscriber drops out of the broadcast and host.stats() returns to zero', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.keyed.publish('U', 1)
    for await (const m of peer.api.keyed.subscribe('U', { last: true })) {
      expect(m).toEqual({ kind: 'value', key: 'U', seq: 1, value: 1 })
      break
    }
    await expect.poll(async () => (await peer.api.keyed.probe(['U'])).counts).toEqual([0])
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
    // The key keeps its latest value without subscribers (within maxKeys).
    expect((await peer.api.keyed.probe(['U'])).last).toEqual([{ seq: 1, value: 1 }])
  })

  it('close() ends every subscription: the page’s loops end normally and everything returns to zero', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const ends: string[] = []
    const loop = async (key: string) => {
      for await (const m of peer.api.keyed.subscribe(key)) void m
      ends.push(key)
    }
    const both = Promise.all([loop('C1'), loop('C2')])
    await subscribed(peer, ['C1', 'C2'])
    expect((await peer.api.keyed.probe()).size).toBe(2)
    await peer.api.keyed.close()
    await both
    expect(ends.sort()).toEqual(['C1', 'C2'])
    expect(await peer.api.keyed.probe()).toMatchObject({ size: 0, keys: 0, subscribers: 0, queued: 0 })
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a page that goes away drops out of the broadcast, its held messages with it', async () => {
    await using pair = await factory.make()
    const gone = pair.connect()
    const observer = pair.connect()
    const it = gone.api.keyed.subscribe('D', { window: 8 })[Symbol.asyncIterator]()
    await subscribed(observer, ['D'])
    await publishRange(observer, 'D', 1, 200, 5) // never read: the page's credit, then the host's window fill
    const held = await observer.api.keyed.probe(['D'])
    expect(held).toMatchObject({ counts: [1], behind: 1 })
    expect(held.queued).toBeLessThanOrEqual(8)
    gone.port.close()
    await expect.poll(async () => observer.api.keyed.probe(['D'])).toMatchObject({ counts: [0], queued: 0, behind: 0 })
    await pair.waitFor((s) => s.connections === 1 && s.streams === 0 && s.calls === 0 && s.refs === 0)
    void it
  })

  it('memory is bounded: many keys keep at most maxKeys latest values, and a stalled subscriber holds its window', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const it = peer.api.keyed.subscribe('M', { window: 16 })[Symbol.asyncIterator]()
    await subscribed(peer, ['M'])
    for (let round = 0; round < 20; round++) {
      await publishRange(peer, 'M', round * 100 + 1, round * 100 + 100)
      await peer.api.keyed.publishKeys(`k${round}-`, 500, round)
    }
    // 10,000 keys published: the subscribed one is kept, plus the 8 (maxKeys) most recent others.
    const probe = await peer.api.keyed.probe(['M', 'k0-0', 'k19-499', 'k19-492', 'k19-491'])
    expect(probe).toMatchObject({ keys: 9, subscribers: 1, behind: 1 })
    expect(probe.queued).toBeLessThanOrEqual(16)
    expect(probe.last).toEqual([{ seq: 2000, value: 2000 }, undefined, { seq: 1, value: 19 }, { seq: 1, value: 19 }, undefined])
    // The stalled subscriber catches up: what its credit and window held, one gap, the latest value.
    const got = await readTo(it, 2000)
    expect(checkCoverage(got, 1, 2000)).toBe(1)
    expect(got.slice(-2)).toEqual([{ kind: 'gap', key: 'M', from: expect.any(Number), to: 1999 }, { kind: 'value', key: 'M', seq: 2000, value: 2000 }])
    await it.return!()
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a key that is not a string or a number is a TypeError for that page, and the host carries on', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const bad = peer.api.keyed.subscribe({ not: 'a key' } as unknown as string)
    await expect(bad).rejects.toThrow(/key must be a string or a number/)
    await expect(peer.api.keyed.publish(null as unknown as string, 1)).rejects.toThrow(/key must be a string or a number/)
    await expect(peer.api.keyed.subscribe('W', { window: 0 })).rejects.toThrow(RangeError)
    await expect(peer.api.keyed.subscribe('W', { window: 4097 })).rejects.toThrow(/from 1 to 4096/)
    expect(await peer.api.add(1, 2)).toBe(3)
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a string key longer than maxKeyLength (256 by default) is a RangeError for that page, and nothing is kept for it', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const before = (await peer.api.keyed.probe()).keys
    const long = 'k'.repeat(257)
    await expect(peer.api.keyed.subscribe(long)).rejects.toThrow(RangeError)
    await expect(peer.api.keyed.subscribe(long)).rejects.toThrow(/Broadcast\.subscribe\(\): the key is 257 characters long, over maxKeyLength \(256/)
    await expect(peer.api.keyed.publish(long, 1)).rejects.toThrow(/Broadcast\.publish\(\): the key is 257 characters long, over maxKeyLength/)
    // A megabyte of key, as a page could send: refused before it is held.
    await expect(peer.api.keyed.publish('x'.repeat(1 << 20), 1)).rejects.toThrow(/1048576 characters long, over maxKeyLength/)
    expect((await peer.api.keyed.probe()).keys).toBe(before)
    // At the limit: accepted.
    const max = 'm'.repeat(256)
    expect(await peer.api.keyed.publish(max, 1)).toBe(1)
    expect((await peer.api.keyed.probe([max])).last).toEqual([{ seq: 1, value: 1 }])
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a handler that throws after subscribe(key) leaves no subscriber in the topic', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await expect(peer.api.keyed.subscribeThenThrow('T')).rejects.toThrow(/no quotes for T/)
    await expect(peer.api.keyed.subscribeThenThrow('T')).rejects.toThrow(/no quotes for T/)
    expect(await peer.api.keyed.probe(['T'])).toMatchObject({ counts: [0], subscribers: 0, queued: 0, last: [undefined] })
    // Publishing to it queues nothing for a subscriber nobody can read, and the key is kept as an idle one.
    await publishRange(peer, 'T', 1, 100)
    expect(await peer.api.keyed.probe(['T'])).toMatchObject({ counts: [0], subscribers: 0, queued: 0, behind: 0 })
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })

  it('a call cancelled while its handler is suspended after subscribe(key) holds no subscriber, then or after the handler returns', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const call = peer.api.keyed.subscribeSlowly('G')
    await pair.waitFor((s) => s.calls === 1) // the handler has subscribed and waits
    await call.cancel()
    // The handler is still suspended: nothing holds the subscription yet, and publishes queue nothing for it.
    await publishRange(peer, 'G', 1, 100)
    expect(await peer.api.keyed.probe(['G'])).toMatchObject({ counts: [0], subscribers: 0, queued: 0, behind: 0 })
    // It returns the subscription into a cancelled call: disposed, never joined.
    await peer.api.keyed.open('G')
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
    await peer.api.keyed.publish('G', 101)
    expect(await peer.api.keyed.probe(['G'])).toMatchObject({ counts: [0], subscribers: 0, queued: 0, behind: 0 })
  })

  it('a slow handler’s subscription, once returned, delivers from its stream’s start', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.keyed.publish('R', 1)
    const it = peer.api.keyed.subscribeSlowly('R')[Symbol.asyncIterator]()
    await pair.waitFor((s) => s.calls === 1)
    await peer.api.keyed.open('R')
    await subscribed(peer, ['R'])
    await peer.api.keyed.publish('R', 2)
    expect(await take(it, 1)).toEqual([{ kind: 'value', key: 'R', seq: 2, value: 2 }])
    await it.return!()
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
    expect((await peer.api.keyed.probe(['R'])).counts).toEqual([0])
  })
})

describe.each(pairs)('unkeyed Broadcast over $name', (factory) => {
  it('a handler that throws after subscribe() leaves no channel in the broadcast; a sent one stays until it closes', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await expect(peer.api.unkeyed.subscribeThenThrow()).rejects.toThrow(/no ticks today/)
    await expect(peer.api.unkeyed.subscribeThenThrow()).rejects.toThrow(/no ticks today/)
    expect(await peer.api.unkeyed.size()).toBe(0)
    const channel = await peer.api.unkeyed.subscribe()
    expect(await peer.api.unkeyed.size()).toBe(1) // held from the moment it was sent, before the page listens
    const got: number[] = []
    channel.listen((n) => void got.push(n))
    await expect.poll(() => peer.api.unkeyed.send(7)).toBe(1)
    await expect.poll(() => got).toContain(7)
    await channel.close()
    await expect.poll(() => peer.api.unkeyed.size()).toBe(0)
    await pair.waitFor((s) => s.streams === 0 && s.calls === 0 && s.refs === 0)
  })
})

describe('new Broadcast({ maxKeyLength })', () => {
  it('is honoured for string keys, leaves number keys alone, and must be a positive integer', () => {
    const b = new Broadcast<number>({ maxKeyLength: 4 })
    expect(b.publish('abcd', 1)).toBe(1)
    expect(() => b.publish('abcde', 1)).toThrow(/the key is 5 characters long, over maxKeyLength \(4;/)
    expect(() => b.subscribe('abcde')).toThrow(RangeError)
    const byId = new Broadcast<number, number>({ maxKeyLength: 1 })
    expect(byId.publish(1234567, 1)).toBe(1)
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new Broadcast({ maxKeyLength: bad })).toThrow(/maxKeyLength must be a positive integer/)
  })
})
