/**
 * Issue 12's new frames and ref kinds (channel acks and bytes, Files and Blobs, Observables, identity, keyed
 * Broadcast) attacked by a hostile page with raw frames (test/__shared__/raw.ts). Only what the other attacker
 * tests (blobs-hostile, channels-telefunc, observables, untrusted-input, reliability/*) do not cover.
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { cancelled, dag, openChannel, pushedItems, rawPeer, until, type WireFrame } from './__shared__/raw.js'
import * as api from './fixtures/api.js'

const CHUNK = 256 * 1024

function setup(options: Parameters<typeof createHost>[1] = {}) {
  const errors: unknown[] = []
  const host = createHost(api, { onError: (e) => void errors.push(e), ...options })
  const { port1, port2 } = new MessageChannel()
  host.connect(port1)
  const peer = rawPeer(port2)
  return { host, peer, errors, [Symbol.dispose]: () => (host.close(), port2.close()) }
}

const call = (id: number, method: string, args: unknown) => ({ t: 'call', id, path: [method], args })
const refOf = (f: WireFrame) => (f.value as { r: [unknown, string, number][] }).r[0]![2]
const settle = () => new Promise((r) => setTimeout(r, 50))

afterEach(() => {
  api.reset()
  api.blobReset()
})

describe('issue 12 from a hostile page', () => {
  it('a page that grants maxCredit chunks of a download and stops reading makes the host read one byte window, not 1 GiB', async () => {
    using s = setup()
    s.peer.send([call(1, 'streamedDownload', { v: [400, CHUNK] })])
    const ref = refOf(await s.peer.next((f) => f.t === 'result'))
    // Honest pages grant at most flow.maxWindowBytes / 256 KiB (32) chunks; this one grants maxCredit (4096).
    s.peer.send([{ t: 'ref-pull', ref, n: 4096 }])
    await until(() => s.peer.frames.some((f) => f.t === 'ref-push'), 'the first chunk')
    await settle()
    await settle()
    // 8 MiB of host flow window, plus what the body's ReadableStream read ahead.
    expect(api.blobProbe().bodyBytes).toBeLessThanOrEqual(8 * 1024 * 1024 + 2 * CHUNK)
    const pushed = pushedItems(s.peer)
    expect(pushed).toBe(32)
    // Granting back what it read keeps it going, one window at a time, to the end.
    for (let got = pushed; got < 400; ) {
      s.peer.frames.length = 0
      s.peer.send([{ t: 'ref-pull', ref, n: 32 }])
      await until(() => s.peer.frames.some((f) => f.t === 'ref-end') || pushedItems(s.peer) >= Math.min(32, 400 - got), 'the next window')
      got += pushedItems(s.peer)
    }
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('a channel peer that grants a byte window of 2^53 and never acks gets one host byte window of binary, not every chunk', async () => {
    using s = setup()
    api.resetTelefunc()
    const MiB = 1024 * 1024
    s.peer.send([call(1, 'binarySource', { v: [40, MiB] })])
    const ref = refOf(await s.peer.next((f) => f.t === 'result'))
    s.peer.send([{ t: 'ref-pull', ref, n: 64, b: Number.MAX_SAFE_INTEGER }])
    await until(() => s.peer.frames.some((f) => f.t === 'ref-bytes'), 'the first chunk')
    await settle()
    const bytes = () => s.peer.frames.reduce((n, f) => n + (f.t === 'ref-bytes' ? (f as unknown as { bytes: Uint8Array }).bytes.byteLength : 0), 0)
    // The host's flow.maxWindowBytes (8 MiB): what an honest page's first grant would have allowed.
    expect(bytes()).toBe(8 * MiB)
    // Acking and granting back what it handled moves it on; the host's sends all resolve.
    for (let acked = 0; acked < 40; ) {
      const sent = s.peer.frames.filter((f) => f.t === 'ref-bytes').length
      s.peer.frames.length = 0
      s.peer.send([{ t: 'ref-ack', ref, n: sent }, { t: 'ref-pull', ref, n: sent, b: sent * MiB }])
      acked += sent
      if (acked < 40) await until(() => s.peer.frames.some((f) => f.t === 'ref-bytes'), 'the next chunks')
      await settle()
    }
    await until(async () => (await api.telefuncProbe()).acks.length === 40, 'every send acked')
    expect((await api.telefuncProbe()).acks.every((a) => a.startsWith('ok'))).toBe(true)
    s.peer.send([{ t: 'ref-end', ref }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('one blob id in two calls at once: the second call is refused, the first reads its file, nothing is left', async () => {
    using s = setup()
    const file = (ref: number) => ({ v: [{ size: 4, type: '' }], r: [[[0], 'blob', ref]] })
    s.peer.send([call(1, 'hashFile', file(1)), call(2, 'fileInfo', file(1))])
    const refused = await s.peer.next((f) => f.id === 2)
    expect(refused).toMatchObject({ t: 'error', error: { message: expect.stringMatching(/ref 1 is already in use/) } })
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 1)
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array([1, 2, 3, 4])] }, { t: 'ref-end', ref: 1 }])
    expect(await s.peer.next((f) => f.id === 1)).toMatchObject({ t: 'result', value: { v: { bytes: 4 } } })
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('channel frames (ref-bytes, ref-ack) at a file or an Observable are protocol errors, and the file still reads', async () => {
    using s = setup()
    s.peer.send([call(1, 'hashFile', { v: [{ size: 2, type: '' }], r: [[[0], 'blob', 1]] })])
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 1)
    s.peer.send([{ t: 'ref-bytes', ref: 1, bytes: new Uint8Array(2) }, { t: 'ref-ack', ref: 1, n: 1 }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-bytes')).message).toMatch(/not a channel/)
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-ack')).message).toMatch(/not a channel/)
    s.peer.send([call(2, 'obsTicks', { v: [1] })])
    const obs = refOf(await s.peer.next((f) => f.id === 2))
    s.peer.send([{ t: 'ref-bytes', ref: obs, bytes: new Uint8Array(2) }, { t: 'ref-ack', ref: obs, n: 1 }, { t: 'ref-release', ref: obs, n: 1 }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-bytes')).message).toMatch(/not a channel/)
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-ack')).message).toMatch(/not a channel/)
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(2)] }, { t: 'ref-end', ref: 1 }])
    expect(await s.peer.next((f) => f.id === 1)).toMatchObject({ t: 'result', value: { v: { bytes: 2 } } })
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('byte grants that are not positive safe integers (Infinity, 1e308, -1, 0.5, NaN) are protocol errors and grant nothing', async () => {
    using s = setup()
    api.resetTelefunc()
    s.peer.send([call(1, 'binarySource', { v: [2, 10] })])
    const ref = refOf(await s.peer.next((f) => f.t === 'result'))
    for (const b of [Infinity, 1e308, -1, 0.5, NaN, '5']) s.peer.send([{ t: 'ref-pull', ref, n: 1, b }])
    for (let i = 0; i < 6; i++) expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-pull')).message).toMatch(/integers/)
    await settle()
    expect(s.peer.frames.some((f) => f.t === 'ref-bytes')).toBe(false)
    s.peer.send([{ t: 'ref-end', ref }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('a subscribe to a host Observable whose arguments carry live values ends them: the callback released, the file cancelled', async () => {
    using s = setup()
    s.peer.send([call(1, 'obsTicks', { v: [1] })])
    const obs = refOf(await s.peer.next((f) => f.id === 1))
    s.peer.send([{ t: 'ref-call', ref: obs, call: 1, args: { v: [null, { size: 9, type: '' }], r: [[[0], 'function', 7], [[1], 'blob', 8]] } }])
    expect((await s.peer.next((f) => f.t === 'ref-result' && f.call === 1)).error?.message).toMatch(/no arguments/)
    expect(await s.peer.next((f) => f.t === 'ref-release')).toMatchObject({ ref: 7, n: 1 })
    expect(await s.peer.next((f) => f.t === 'ref-end' && f.ref === 8)).toMatchObject({ cancel: true })
    s.peer.send([{ t: 'ref-release', ref: obs, n: 1 }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('an upload that never sends a byte: cancelling the call fails the handler’s read and cancels the transfer; so does going away', async () => {
    using s = setup()
    const file = (ref: number) => ({ v: [{ size: 100, type: '' }], r: [[[0], 'blob', ref]] })
    s.peer.send([call(1, 'readUntilGone', file(1)), call(2, 'readUntilGone', file(2))])
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 1)
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 2)
    s.peer.send([{ t: 'cancel', id: 1 }])
    expect(await s.peer.next((f) => f.t === 'ref-end' && f.ref === 1)).toMatchObject({ cancel: true })
    await until(() => s.host.stats().calls === 1 && s.host.stats().refs === 1, 'call 1 finished')
    s.peer.close()
    await until(() => s.host.stats().calls === 0 && s.host.stats().refs === 0, 'call 2 finished')
    expect(api.blobProbe().closes).toEqual(['read failed: AbortError', expect.stringMatching(/read failed: \w+/)])
  })

  it('keyed Broadcast: a fresh key per subscribe pins at most maxStreams topics, refused ones none, and nothing once they end', async () => {
    using s = setup({ limits: { maxStreams: 4 } })
    await api.keyed.close()
    // Keys as long as maxKeyLength (256 by default) lets them be: the bound under test is on how many topics.
    const big = 'k'.repeat(250)
    for (let i = 1; i <= 10; i++) s.peer.send([{ t: 'call', id: i, path: ['keyed', 'subscribe'], args: { v: [`${big}${i}`] } }])
    for (let i = 5; i <= 10; i++) expect(await s.peer.next((f) => f.id === i && f.t === 'error')).toMatchObject({ error: { message: expect.stringMatching(/too many open streams/) } })
    await until(async () => (await api.keyed.probe()).subscribers === 4, 'four subscribers')
    expect(await api.keyed.probe()).toMatchObject({ keys: 4, subscribers: 4 })
    for (let i = 1; i <= 4; i++) s.peer.send([{ t: 'cancel', id: i }])
    await until(async () => (await api.keyed.probe()).keys === 0, 'no topic left')
    await until(() => s.host.stats().calls === 0 && s.host.stats().streams === 0, 'nothing left')
  })

  it('one message shares one maxValueNodes budget: a thousand frames each just under the limit cannot each walk it', async () => {
    // 20 calls, each walking ~6,600 objects (100 slots of a 65-step path): each fits 10,000, one message of all
    // 20 does not. Before, a 1024-frame message of values at the default limit held main for about 15 s.
    using s = setup({ limits: { maxValueNodes: 10_000 } })
    const path = [0, ...Array.from({ length: 63 }, () => 'a'), 'leaf']
    const heavy = (id: number) => call(id, 'variadic', { v: [dag(63)], r: new Array(100).fill([path, 'function', id]) })
    s.peer.send(Array.from({ length: 20 }, (_, i) => heavy(i + 1)))
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => s.peer.next((f) => f.id === i + 1 && (f.t === 'result' || f.t === 'error'))))
    expect(answers[0]).toMatchObject({ t: 'result' })
    const refused = answers.filter((f) => f.t === 'error')
    expect(refused.length).toBeGreaterThanOrEqual(18)
    expect(refused[0]).toMatchObject({ error: { message: expect.stringMatching(/a message holds more than 10000 objects \(limits\.maxValueNodes\)/) } })
    // The same calls one message each: every one is answered.
    for (let id = 21; id <= 40; id++) s.peer.send([heavy(id)])
    for (let id = 21; id <= 40; id++) expect(await s.peer.next((f) => f.id === id)).toMatchObject({ t: 'result' })
    await until(() => s.host.stats().calls === 0, 'every call answered')
  })

  it('identity: one ref slot repeated a million times (a few MB, shared by structured clone) is refused under limits.maxValueNodes, not walked', async () => {
    // Each slot walks its path (up to 65 steps) into the value: 2M slots stalled main for seconds.
    using s = setup({ limits: { maxValueNodes: 10_000 } })
    const path = [0, ...Array.from({ length: 63 }, () => 'a'), 'leaf']
    const slot = [path, 'function', 1]
    s.peer.send([call(1, 'variadic', { v: [dag(63)], r: new Array(100).fill(slot) })])
    // Within the budget: one function, in one place.
    expect(await s.peer.next((f) => f.id === 1)).toMatchObject({ t: 'result' })
    s.peer.send([call(2, 'variadic', { v: [dag(63)], r: new Array(1_000_000).fill(slot) })])
    const refused = await s.peer.next((f) => f.id === 2)
    expect(refused).toMatchObject({ t: 'error', error: { message: expect.stringMatching(/limits\.maxValueNodes/) } })
    // The refused call releases the function it had imported, for both calls' sends.
    expect(await s.peer.next((f) => f.t === 'ref-release' && f.ref === 1)).toMatchObject({ n: 2 })
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('live values in a ref-ack that is refused, or that also names an error, are ended, not kept', async () => {
    using s = setup()
    api.resetTelefunc()
    const { ref } = await openChannel(s.peer, 'ackChannel', [])
    const stream = (id: number) => ({ v: null, r: [[[], 'readable', id]] })
    // Acks for values never sent, carrying a stream: refused, and the stream cancelled.
    s.peer.send([{ t: 'ref-ack', ref, n: 5, v: { 0: stream(9) } }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-ack')).message).toMatch(/exceed the values sent/)
    await cancelled(s.peer, 9)
    // A good value, then an index outside the batch: the good one is ended too.
    s.peer.send([{ t: 'ref-push', ref, items: ['ping'] }])
    // The first may leave alone (the outbox's leading edge), the other two with it or after: count the items.
    await until(() => pushedItems(s.peer, ref) === 3, 'three values from the host')
    s.peer.send([{ t: 'ref-ack', ref, n: 1, v: { 0: stream(10), 7: { v: 1 } } }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-ack')).message).toMatch(/outside/)
    await cancelled(s.peer, 10)
    // A value and an error for the same send: the send rejects, and the value is ended.
    s.peer.send([{ t: 'ref-ack', ref, n: 3, v: { 0: stream(11) }, e: { 0: { name: 'Error', message: 'nope' } } }])
    await cancelled(s.peer, 11)
    await until(async () => (await api.telefuncProbe()).acks.length === 3, 'the three sends settled')
    expect((await api.telefuncProbe()).acks[0]).toBe('err:nope')
    s.peer.send([{ t: 'ref-end', ref }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('a file chunk that is a live value (a stream) is refused and the stream cancelled, not kept', async () => {
    using s = setup()
    s.peer.send([call(1, 'hashFile', { v: [{ size: 4, type: '' }], r: [[[0], 'blob', 1]] })])
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 1)
    s.peer.send([{ t: 'ref-push', ref: 1, items: [null], enc: { 0: { r: [[[], 'readable', 20]] } } }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-push')).message).toMatch(/Uint8Array chunks only/)
    expect(await s.peer.next((f) => f.t === 'ref-end' && f.ref === 20)).toMatchObject({ cancel: true })
    s.peer.send([{ t: 'ref-push', ref: 1, items: [new Uint8Array(4)] }, { t: 'ref-end', ref: 1 }])
    expect(await s.peer.next((f) => f.id === 1)).toMatchObject({ t: 'result', value: { v: { bytes: 4 } } })
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('a value refused halfway through its refs (an id repeated across items, a bad kind after a good slot) ends the refs it had taken', async () => {
    using s = setup()
    api.resetTelefunc()
    const { ref } = await openChannel(s.peer, 'ackChannel', [])
    // Identity holds within one item, not across items: the second item's stream 30 is refused.
    s.peer.send([{ t: 'ref-push', ref, items: [null, null], enc: { 0: { r: [[[], 'readable', 30]] }, 1: { r: [[[], 'readable', 30]] } } }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-push')).message).toMatch(/already in use/)
    await cancelled(s.peer, 30)
    // One item: a good stream, then a slot of an unknown kind.
    s.peer.send([{ t: 'ref-push', ref, items: [[null, null]], enc: { 0: { r: [[[0], 'readable', 31], [[1], 'bogus', 32]] } } }])
    expect((await s.peer.next((f) => f.t === 'protocol-error' && f.frame === 'ref-push')).message).toMatch(/not accepted/)
    await cancelled(s.peer, 31)
    s.peer.send([{ t: 'ref-end', ref }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('bytes in memory the page shares (a SharedArrayBuffer view, where the port carries one) reach handlers as a private copy', async () => {
    using s = setup()
    const shared = new Uint8Array(new SharedArrayBuffer(4)).fill(7)
    s.peer.send([call(1, 'firstChunkShared', { v: [{ size: 4, type: '' }], r: [[[0], 'blob', 1]] })])
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === 1)
    s.peer.send([{ t: 'ref-push', ref: 1, items: [shared] }])
    expect(await s.peer.next((f) => f.id === 1)).toMatchObject({ t: 'result', value: { v: false } })
    s.peer.send([call(2, 'sharedSink', { v: [] })])
    const ref = refOf(await s.peer.next((f) => f.id === 2))
    s.peer.send([{ t: 'ref-pull', ref, n: 4 }])
    await s.peer.next((f) => f.t === 'ref-pull' && f.ref === ref)
    s.peer.send([{ t: 'ref-bytes', ref, bytes: shared }])
    expect(await s.peer.next((f) => f.t === 'ref-ack')).toMatchObject({ ref, n: 1, v: { 0: { v: false } } })
    s.peer.send([{ t: 'ref-end', ref }])
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  })

  it('an error from the page whose 1000 nested errors each carry a value at the node limit costs one value walk, not 1000', async () => {
    using s = setup()
    api.resetTelefunc()
    const { ref } = await openChannel(s.peer, 'ackChannel', [])
    // Each value's superjson meta is a DAG that walks to limits.maxValueNodes (about 15 ms); shared by all 1000.
    const heavy = { v: null, m: dag(30) }
    const error = { name: 'AggregateError', message: 'many', errors: Array.from({ length: 1000 }, (_, i) => ({ name: 'Error', message: `e${i}`, value: heavy })) }
    const t0 = Date.now()
    s.peer.send([{ t: 'ref-end', ref, error }])
    await until(async () => (await api.telefuncProbe()).closes.length === 1, 'the channel closed', 30_000)
    expect(Date.now() - t0).toBeLessThan(2000)
    await until(() => s.host.stats().refs === 0 && s.host.stats().calls === 0, 'nothing left')
  }, 40_000)
})
