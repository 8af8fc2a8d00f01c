/**
 * Issue 12, channels at Telefunc's level: acks (send() resolves with the listener's return), onOpen, abort(value),
 * sendBinary/listenBinary with a byte window, and identity (one live value, several times in one value, travels
 * once). Over both port layouts; then hostile frames from a raw peer.
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { createHost, webSocketPort } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'
import { AbortError, release } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'
import { dag, openChannel, pushedItems, rawPeer, until, type WireFrame } from './__shared__/raw.js'
import * as fixtures from './fixtures/channels-telefunc.js'

describe.each(pairs)('channel acks, abort, binary over $name', (factory) => {

  it('send() resolves with what the host listener returned, awaited; rejects with what it threw', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    expect(await ch.send('hello')).toEqual({ len: 5 })
    expect(await ch.send('slow')).toBe('slow-ack')
    const boom = await ch.send('boom').catch((e: unknown) => e)
    expect(boom).toBeInstanceOf(RangeError)
    expect((boom as Error).message).toBe('boom!')
    // Many in flight at once: each gets its own ack, in order.
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => ch.send('x'.repeat(i % 7))))
    expect(many).toEqual(Array.from({ length: 200 }, (_, i) => ({ len: i % 7 })))
    // ack: false resolves once the value is on its way, with undefined.
    expect(await ch.send('fire', { ack: false })).toBeUndefined()
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('an ack may carry a live value; one nobody waits for ({ ack: false }) is released at once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.ackChannel()
    const triple = (await ch.send('fn')) as (n: number) => Promise<number>
    expect(await triple(5)).toBe(15)
    release(triple)
    await pair.waitFor((s) => s.refs === 1) // the channel alone
    await ch.send('fn', { ack: false })
    await ch.send('sync') // acked after the dropped one
    await pair.waitFor((s) => s.refs === 1)
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it("the host's send() resolves with the client listener's ack, or rejects with its error", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    const got: string[] = []
    ch.listen((m) => {
      got.push(m)
      if (m === '2') throw new Error('two is refused')
      if (m.startsWith('acks:')) return undefined
      return Number(m) * 10
    })
    expect(await ch.send('ping')).toBe('pinged')
    await expect.poll(() => got.at(-1)).toBe('acks:ok:10,err:two is refused,ok:30')
    expect(got.slice(0, 3)).toEqual(['1', '2', '3'])
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('values sent before the first listener are held, then acked by it; the first defined result of several listeners is the ack', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    const held: number[] = []
    const first = ch.send('ping')
    await new Promise((r) => setTimeout(r, 30))
    ch.listen(() => void held.push(1)) // returns undefined: not the ack
    ch.listen((m) => (m.startsWith('acks:') ? undefined : `second:${m}`))
    expect(await first).toBe('pinged')
    await expect.poll(async () => (await api.telefuncProbe()).acks).toEqual(['ok:"second:1"', 'ok:"second:2"', 'ok:"second:3"'])
    expect(held.length).toBe(4)
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('onOpen runs once on both ends, once the other end holds the channel', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    let opens = 0
    await new Promise<void>((resolve) => ch.onOpen(() => (opens++, resolve())))
    ch.onOpen(() => opens++) // already open: runs at once
    expect(opens).toBe(2)
    await expect.poll(async () => (await api.telefuncProbe()).opens).toBe(1)
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('abort(value) from the host: the client onClose gets an AbortError with the value, and pending sends reject with it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    const reasons: unknown[] = []
    ch.onClose((r) => reasons.push(r))
    const aborting = ch.send('abort').catch((e: unknown) => e)
    const after = ch.send('after').catch((e: unknown) => e)
    // The listener that aborts acks its own value (with undefined) before the channel ends.
    expect(await aborting).toBeUndefined()
    const error = await after
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).abortValue).toEqual({ reason: 'told to', at: new Date(0) })
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toBe(error)
    await expect(ch.send('later')).rejects.toBe(error)
    await expect.poll(async () => (await api.telefuncProbe()).closes).toEqual(['AbortError'])
    await pair.waitFor((s) => s.refs === 0)
  })

  it('an abort drops what arrived and was not yet handled (Telefunc ends the channel at once); a close would deliver it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ch = await api.sendThenAbort(5)
    const reason = await new Promise<unknown>((resolve) => ch.onClose(resolve))
    expect(reason).toBeInstanceOf(AbortError)
    expect((reason as AbortError).abortValue).toEqual({ why: 'stop' })
    // The five values reached this end before the abort, with no listener yet: they are gone, not delivered.
    const got: number[] = []
    ch.listen((n) => void got.push(n))
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual([])
    await pair.waitFor((s) => s.refs === 0)
  })

  it('abort(value) from the client: the host onClose gets the value; a host send waiting for its ack rejects', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.abortLater(10_000, 'unused')
    await expect(ch.send('hi')).resolves.toBe('never')
    const reasons: unknown[] = []
    ch.onClose((r) => reasons.push(r))
    ch.abort({ why: ['user', 'left'] })
    expect((reasons[0] as AbortError).abortValue).toEqual({ why: ['user', 'left'] })
    await expect.poll(async () => (await api.telefuncProbe()).abortValues).toEqual([{ why: ['user', 'left'] }])
    await pair.waitFor((s) => s.refs === 0)
  })

  it('sendBinary carries bytes both ways, acked by listenBinary, in order with values', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const ch = await api.ackChannel()
    const bytes = new Uint8Array([1, 2, 3, 250])
    const [a, b, c] = await Promise.all([ch.send('abc'), ch.sendBinary(bytes), ch.sendBinary(new Uint8Array(64 * 1024).fill(1))])
    expect(a).toEqual({ len: 3 })
    expect(b).toBe(256)
    expect(c).toBe(64 * 1024)
    ch.close()

    const src = await api.binarySource(20, 1000)
    const chunks: number[] = []
    src.listenBinary((chunk) => {
      chunks.push(chunk[0]!)
      expect(chunk).toBeInstanceOf(Uint8Array)
      expect(chunk.byteLength).toBe(1000)
      return chunk[0]! * 2
    })
    await expect.poll(async () => (await api.telefuncProbe()).acks).toEqual(Array.from({ length: 20 }, (_, i) => `ok:${i * 2}`))
    expect(chunks).toEqual(Array.from({ length: 20 }, (_, i) => i))
    src.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('a stalled binary listener holds at most its byte window; the sender waits, then everything arrives', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.resetTelefunc()
    const windowBytes = 64 * 1024
    const ch = await api.binarySink(windowBytes)
    const chunk = 8 * 1024
    const sends = Array.from({ length: 100 }, () => ch.sendBinary(new Uint8Array(chunk)))
    await new Promise((r) => setTimeout(r, 200))
    const probe = await api.telefuncProbe()
    // Stalled on the first chunk: the rest of the window arrived, and no more.
    expect(probe.binaryHandled).toBe(0)
    expect(probe.maxQueuedBytes).toBeGreaterThanOrEqual(windowBytes - 2 * chunk)
    expect(probe.maxQueuedBytes).toBeLessThanOrEqual(windowBytes)
    // A chunk larger than the whole window is refused at once.
    await expect(ch.sendBinary(new Uint8Array(windowBytes + 1))).rejects.toThrow(/byte window/)
    await api.releaseSink()
    expect(await Promise.all(sends)).toEqual(Array.from({ length: 100 }, () => chunk))
    expect((await api.telefuncProbe()).maxQueuedBytes).toBeLessThanOrEqual(windowBytes)
    ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('close() rejects sends the other end has not handled; the peer going away rejects them with a DisconnectedError', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.resetTelefunc()
    const ch = await peer.api.binarySink(1024)
    const pending = ch.sendBinary(new Uint8Array(10))
    await new Promise((r) => setTimeout(r, 30))
    ch.close()
    await expect(pending).rejects.toThrow(/closed/)

    const ch2 = await peer.api.binarySink(1024)
    const pending2 = ch2.sendBinary(new Uint8Array(10))
    await new Promise((r) => setTimeout(r, 30))
    await peer.closeFromHost()
    await expect(pending2).rejects.toMatchObject({ name: 'DisconnectedError' })
    await pair.waitFor((s) => s.refs === 0 && s.connections === 0)
  })
})

describe.each(pairs)('one live value twice in one value over $name', (factory) => {
  it('a callback sent twice in one call is one function on the host, released once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const fn = (n: number) => n + 1
    expect(await api.sameTwice(fn, fn, { x: fn, list: [fn, fn] })).toEqual({ same: true, result: 22 })
    await pair.waitFor((s) => s.refs === 0)
  })

  it('an async generator sent twice in one call is one iterator on the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const gen = (async function* () {
      yield 'a'
      yield 'b'
    })()
    expect(await api.sameTwice(gen, gen, { x: gen, list: [gen] })).toEqual({ same: true, result: ['a', 'b'] })
    await pair.waitFor((s) => s.refs === 0)
  })

  it('a function, a channel, a generator, a promise and a ReadableStream each twice in one result are one object each on the client', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const r = await api.twiceOut()
    expect(r.fn).toBe(r.fn2)
    expect(r.nested[0]!.fn).toBe(r.fn)
    expect(r.ch).toBe(r.ch2)
    expect(r.nested[0]!.ch).toBe(r.ch)
    expect(r.gen).toBe(r.gen2)
    expect(r.nested[0]!.gen).toBe(r.gen)
    expect(r.later).toBe(r.later2)
    expect(r.stream).toBe(r.stream2)
    expect(await r.later).toBe(7)
    const reader = r.stream.getReader()
    expect(await reader.read()).toEqual({ value: 1, done: false })
    expect((await reader.read()).done).toBe(true)
    expect(await r.fn(4)).toBe(8)
    expect(await r.ch.send('x')).toBe('host got x')
    const items: number[] = []
    for await (const y of r.gen) items.push(y)
    expect(items).toEqual([1, 2])
    release(r.fn)
    r.ch.close()
    await pair.waitFor((s) => s.refs === 0)
  })
})

describe('hostile channel frames', () => {
  function setup(options: Parameters<typeof createHost>[1] = {}) {
    fixtures.resetTelefunc()
    const host = createHost(fixtures, options)
    const { port1, port2 } = new MessageChannel()
    host.connect(port1)
    const peer = rawPeer(port2)
    return {
      host,
      peer,
      /** Calls `method`, takes the channel ref from its result, and grants the host's end `n` items. */
      open: (method: string, args: unknown[], grant?: { n: number; b?: number }) => openChannel(peer, method, args, grant),
      [Symbol.dispose]() {
        host.close()
        port2.close()
      },
    }
  }
  const protocolError = (peer: ReturnType<typeof rawPeer>, tag: string) => peer.next((f) => f.t === 'protocol-error' && f.frame === tag)

  it('acks for values never sent are a protocol error; the host stays up', async () => {
    using s = setup()
    const { ref } = await s.open('ackChannel', [])
    s.peer.send([{ t: 'ref-ack', ref, n: 5 }])
    expect((await protocolError(s.peer, 'ref-ack')).message).toMatch(/exceed the values sent/)
    s.peer.send([{ t: 'ref-ack', ref, n: 0 }])
    expect((await protocolError(s.peer, 'ref-ack')).message).toMatch(/integers/)
    // Still served: a value in, its ack out.
    s.peer.send([{ t: 'ref-push', ref, items: ['four'] }])
    const ack = await s.peer.next((f) => f.t === 'ref-ack')
    expect(ack).toMatchObject({ ref, n: 1, v: { 0: { v: { len: 4 } } } })
  })

  it('acks are batched: 256 values in one ref-push are acked by one ref-ack per grant, carrying only the defined acks', async () => {
    using s = setup()
    const { ref } = await s.open('counter', [], { n: 4 })
    s.peer.send([{ t: 'ref-push', ref, items: Array.from({ length: 256 }, (_, i) => i) }])
    await until(() => s.peer.frames.filter((f) => f.t === 'ref-ack').reduce((n, f) => n + f.n!, 0) === 256, 'all 256 acked')
    const acks = s.peer.frames.filter((f) => f.t === 'ref-ack') as (WireFrame & { v?: Record<string, { v: unknown }> })[]
    // One before the half-window grant, one when the inbox ran dry: no frame per value in either direction.
    expect(acks.length).toBeLessThanOrEqual(2)
    expect(acks.flatMap((a) => Object.keys(a.v ?? {}))).toHaveLength(128)
    expect(acks[0]!.v![5]).toEqual({ v: 5 })
    expect(s.peer.frames.filter((f) => f.t === 'ref-pull').length).toBeLessThanOrEqual(2)
  })

  it('a peer that grants without acking is held to maxCredit unacked values: granting past it is a protocol error', async () => {
    using s = setup({ limits: { maxCredit: 64 } })
    const { ref } = await s.open('spam', [1000], { n: 64 })
    await until(() => pushedItems(s.peer) === 64, '64 values')
    s.peer.send([{ t: 'ref-pull', ref, n: 1 }])
    expect((await protocolError(s.peer, 'ref-pull')).message).toMatch(/credits outstanding/)
    // Acking them makes room again.
    s.peer.send([{ t: 'ref-ack', ref, n: 64 }, { t: 'ref-pull', ref, n: 10 }])
    await until(() => pushedItems(s.peer) === 74, '10 more values')
  })

  it('an ack index outside the batch, or a malformed ack value, is a protocol error', async () => {
    using s = setup()
    const { ref } = await s.open('ackChannel', [])
    s.peer.send([{ t: 'ref-push', ref, items: ['ping'] }])
    // The host sends '1', '2', '3' and waits for their acks.
    // The first may leave alone (the outbox's leading edge), the other two with it or after: count the items.
    await until(() => pushedItems(s.peer, ref) === 3, 'three values from the host')
    s.peer.send([{ t: 'ref-ack', ref, n: 1, v: { 7: { v: 1 } } }])
    expect((await protocolError(s.peer, 'ref-ack')).message).toMatch(/outside/)
    s.peer.send([{ t: 'ref-ack', ref, n: 1, v: { 0: { v: 1, m: dag(30) } } }])
    expect((await protocolError(s.peer, 'ref-ack')).message).toMatch(/maxValueNodes|nested/)
  })

  it('binary past the byte window (or without it) is a protocol error, and nothing of it is kept', async () => {
    using s = setup()
    const { ref } = await s.open('binarySink', [1024])
    s.peer.send([{ t: 'ref-bytes', ref, bytes: new Uint8Array(1000) }])
    s.peer.send([{ t: 'ref-bytes', ref, bytes: new Uint8Array(25) }])
    expect((await protocolError(s.peer, 'ref-bytes')).message).toMatch(/exceed the credit granted/)
    s.peer.send([{ t: 'ref-bytes', ref, bytes: [1, 2, 3] }])
    expect((await protocolError(s.peer, 'ref-bytes')).message).toMatch(/Uint8Array/)
    expect(fixtures.telefuncProbe().maxQueuedBytes).toBeLessThanOrEqual(1024)
  })

  it('an abort value past limits.maxValueNodes, or holding refs, is a protocol error; a plain one aborts', async () => {
    using s = setup({ limits: { maxValueNodes: 1000 } })
    const { ref } = await s.open('ackChannel', [])
    const abortError = (abort: unknown) => ({ name: 'AbortError', message: 'x', abort })
    s.peer.send([{ t: 'ref-end', ref, error: abortError({ v: 1, m: dag(30) }) }])
    expect((await protocolError(s.peer, 'ref-end')).message).toMatch(/abort value/)
    s.peer.send([{ t: 'ref-end', ref, error: abortError({ v: [null], r: [[[0], 'function', 9]] }) }])
    expect((await protocolError(s.peer, 'ref-end')).message).toMatch(/abort value/)
    expect(fixtures.telefuncProbe().closes).toEqual([])
    s.peer.send([{ t: 'ref-end', ref, error: abortError({ v: { fine: true } }) }])
    await until(() => fixtures.telefuncProbe().closes.length === 1, 'the abort')
    expect(fixtures.telefuncProbe().abortValues).toEqual([{ fine: true }])
    await until(() => s.host.stats().refs === 0, 'refs back to zero')
  })

  it('one id under two kinds in one value is refused', async () => {
    using s = setup()
    s.peer.send([{ t: 'call', id: 1, path: ['sameTwice'], args: { v: [null, null, { x: null, list: [] }], r: [[[0], 'function', 1], [[1], 'promise', 1]] } }])
    const answer = await s.peer.next((f) => f.id === 1)
    expect(answer.t === 'protocol-error' || answer.t === 'error').toBe(true)
    expect(JSON.stringify(answer)).toMatch(/two kinds/)
    await until(() => s.host.stats().refs === 0, 'refs back to zero')
  })
})

describe('channel acks, binary and abort over a WebSocket port', () => {
  it('carries acks, bytes (as bytes) and an abort value; stats return to zero', async () => {
    fixtures.resetTelefunc()
    const host = createHost(fixtures)
    const server = new WebSocketServer({ port: 0 })
    server.on('connection', (ws) => host.connect(webSocketPort(ws as never)))
    await new Promise<void>((r) => server.once('listening', () => r()))
    const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const api = createClient<typeof fixtures>(webSocketPort(socket as never))
    try {
      const ch = await api.ackChannel()
      expect(await ch.send('hello')).toEqual({ len: 5 })
      expect(await ch.sendBinary(new Uint8Array([200, 100, 7]))).toBe(307)
      const src = await api.binarySource(3, 10)
      const got: Uint8Array[] = []
      src.listenBinary((b) => void got.push(b))
      await until(() => got.length === 3, 'three chunks')
      expect(got.every((b) => b instanceof Uint8Array && b.byteLength === 10)).toBe(true)
      expect([...got[2]!]).toEqual(Array(10).fill(2))
      const after = ch.send('abort').then(() => ch.send('later'))
      await expect(after).rejects.toMatchObject({ name: 'AbortError', abortValue: { reason: 'told to', at: new Date(0) } })
      src.close()
      await until(() => host.stats().refs === 0, 'refs back to zero')
    } finally {
      socket.close()
      host.close()
      await new Promise((r) => server.close(r))
    }
  })
})
