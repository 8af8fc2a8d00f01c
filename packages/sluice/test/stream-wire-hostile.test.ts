/**
 * The unified item frames (a stream call's result as an `iterable` ref; `ref-push` / `ref-pull` / `ref-end`
 * with an iterator's return value) attacked from a hostile page, over raw frames, and their lifecycles checked
 * through the public api: the host never throws or hangs, answers a clear error, and its stats return to zero.
 */
import { describe, expect, it } from 'vitest'
import { pairs, type Pair, type Peer } from './__shared__/pairs.js'
import { dag, dagWireError, rawPeer, type RawPeer, type WireFrame, openStream, streamRef } from './__shared__/raw.js'
import { key, sleep, until } from './__shared__/wait.js'



/** A raw page on its own connection, plus a well-behaved client on another, to check the host still serves. */
function attacker(pair: Pair): { raw: RawPeer; peer: Peer } {
  const peer = pair.connect({ client: { onProtocolError: () => {} } })
  return { raw: rawPeer(peer.port), peer }
}

async function stillServes(pair: Pair): Promise<void> {
  const other = pair.connect()
  const got: number[] = []
  for await (const x of other.api.count(3)) got.push(x)
  expect(got).toEqual([0, 1, 2])
}

const zero = (s: { calls: number; streams: number; refs: number }) => s.calls === 0 && s.streams === 0 && s.refs === 0

describe.each(pairs)('stream call frames from a hostile page over $name', (factory) => {
  it('refuses a ref-push to the stream the host produces, and the stream carries on', async () => {
    await using pair = await factory.make()
    const { raw } = attacker(pair)
    raw.send([{ t: 'call', id: 1, path: ['count'], args: { v: [1000] }, w: 2 }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 1))
    raw.send([{ t: 'ref-push', ref, items: [1, 2, 3] }])
    expect((await raw.next((f) => f.t === 'protocol-error')).message).toMatch(/ref-push: ref -\d+ does not receive items/)
    raw.send([{ t: 'ref-pull', ref, n: 3 }])
    let items = 0
    while (items < 5) items += (await raw.next((f) => f.t === 'ref-push' && f.ref === ref)).items!.length
    raw.send([{ t: 'cancel', id: 1 }])
    await pair.waitFor(zero)
    await stillServes(pair)
  })

  it('refuses a ref-pull past maxCredit, malformed counts, and ignores one after the stream ended', async () => {
    await using pair = await factory.make()
    const { raw } = attacker(pair)
    raw.send([{ t: 'call', id: 2, path: ['count'], args: { v: [3] }, w: 1 }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 2))
    raw.send([{ t: 'ref-pull', ref, n: 1e9 }])
    expect((await raw.next((f) => f.t === 'protocol-error')).message).toMatch(/ref-pull: more than \d+ credits outstanding/)
    for (const n of [-1, 0, 1.5, Number.NaN, '3', 2 ** 60]) {
      raw.send([{ t: 'ref-pull', ref, n }])
      await raw.next((f) => f.t === 'protocol-error')
    }
    for (let i = 0; i < 200; i++) raw.send([{ t: 'ref-pull', ref, n: 1 }])
    expect(await raw.next((f) => f.t === 'ref-end' && f.ref === ref)).toMatchObject({ value: { v: 'counted 3' } })
    await pair.waitFor(zero)
    raw.frames.length = 0
    raw.send([{ t: 'ref-pull', ref, n: 5 }, { t: 'ref-pull', ref, n: 1e9 }, { t: 'ref-end', ref, cancel: true }])
    await sleep(30)
    expect(raw.frames.filter((f) => f.t === 'protocol-error' || (f.t === 'ref-push' && f.ref === ref))).toEqual([])
    await stillServes(pair)
  })

  it.each([
    ['cancel, then ref-end cancel', (id: number, ref: number) => [{ t: 'cancel', id }, { t: 'ref-end', ref, cancel: true }]],
    ['ref-end cancel, then cancel', (id: number, ref: number) => [{ t: 'ref-end', ref, cancel: true }, { t: 'cancel', id }]],
  ])('ends a stream call once when one envelope holds %s', async (_name, envelope) => {
    await using pair = await factory.make()
    const { raw, peer } = attacker(pair)
    const k = key('both')
    const ref = await openStream(raw, 3, ['watchedStream'], [k])
    raw.send(envelope(3, ref))
    const log = await until(() => peer.api.wireLog(k), (l) => l.includes('finally'))
    await sleep(20)
    expect(await peer.api.wireLog(k)).toEqual(log)
    expect(log).toEqual(['signal aborted', 'onClose AbortError', 'finally'])
    await pair.waitFor(zero)
    expect(raw.frames.filter((f) => f.t === 'protocol-error' || (f.t === 'ref-end' && f.ref === ref))).toEqual([])
  })

  it.each([
    ['a DAG of causes', dagWireError(40)],
    ['a number', 5],
    ['an abort with a value holding refs', { name: 'AbortError', message: 'x', abort: { v: [null], r: [[[0], 'function', 9]] } }],
  ])('ends a stream call once for a ref-end cancel whose error is %s', async (_name, error) => {
    await using pair = await factory.make()
    const { raw, peer } = attacker(pair)
    const k = key('bad-error')
    const ref = await openStream(raw, 5, ['watchedStream'], [k])
    raw.send([{ t: 'ref-end', ref, cancel: true, error }])
    await until(() => peer.api.wireLog(k), (l) => l.includes('finally'))
    await pair.waitFor(zero)
    const log = await peer.api.wireLog(k)
    expect(log.filter((x) => x.startsWith('onClose'))).toHaveLength(1)
    expect(log.filter((x) => x === 'finally')).toHaveLength(1)
    await stillServes(pair)
  })

  it('parks a stream call nobody reads after its first window (w): the generator makes w items and waits', async () => {
    await using pair = await factory.make()
    const { raw, peer } = attacker(pair)
    const k = key('stalled')
    raw.send([{ t: 'call', id: 4, path: ['countedStream'], args: { v: [k] }, w: 16 }])
    streamRef(await raw.next((f) => f.t === 'result' && f.id === 4))
    await sleep(100)
    // The 17th item is made by the pending next() the pump holds no credit for... it must not be: 16 exactly.
    expect((await peer.api.hostileWireLog(k)).length).toBe(16)
    raw.send([{ t: 'cancel', id: 4 }])
    await pair.waitFor(zero)
  })
})

describe.each(pairs)('a page\'s async iterable that ends with a hostile value over $name', (factory) => {
  /** Calls countItems with a page-exported iterable (ref 1), waits for the host's first pull, returns the raw peer. */
  async function feeding(pair: Pair, id: number): Promise<RawPeer> {
    const { raw } = attacker(pair)
    raw.send([{ t: 'call', id, path: ['countItems'], args: { v: [null], r: [[[0], 'iterable', 1]] } }])
    await raw.next((f) => f.t === 'ref-pull' && f.ref === 1)
    raw.send([{ t: 'ref-push', ref: 1, items: ['a', 'b'] }])
    return raw
  }

  it('holds the refs of a return value its reader never reads (a for await) under maxRefs, until the page goes', async () => {
    await using pair = await factory.make()
    const raw = await feeding(pair, 10)
    const r = Array.from({ length: 1000 }, (_, i) => [[i], 'function', 100 + i])
    raw.send([{ t: 'ref-end', ref: 1, value: { v: new Array(1000).fill(null), r } }])
    expect(await raw.next((f) => f.t === 'result' && f.id === 10)).toMatchObject({ value: { v: 2 } })
    // countItems never saw them: they are the page's callbacks, held like ignored arguments (see ref-end).
    expect((await pair.waitFor((s) => s.calls === 0)).refs).toBeLessThanOrEqual(1000)
    raw.close()
    await pair.waitFor((s) => s.connections === 0 || s.refs === 0)
    await stillServes(pair)
  })

  it('refuses a return value with more refs than maxRefs, and keeps none of them', async () => {
    await using pair = await factory.make({ limits: { maxRefs: 100 } })
    const raw = await feeding(pair, 12)
    const r = Array.from({ length: 150 }, (_, i) => [[i], 'function', 100 + i])
    raw.send([{ t: 'ref-end', ref: 1, value: { v: new Array(150).fill(null), r } }])
    expect((await raw.next((f) => f.t === 'error' && f.id === 12)).error!.message).toMatch(/ref-end: .*too many/)
    await pair.waitFor(zero)
    await stillServes(pair)
  })

  it.each([
    ['a big plain value (handed over as data)', { v: new Array(200).fill(0) }, 'result'],
    ['a DAG of plain data (never walked)', { v: dag(40) }, 'result'],
    ['a superjson meta that is a DAG', { v: 1, m: dag(40) }, 'error'],
    ['over maxValueNodes in ref slots', { v: new Array(150).fill(null), r: Array.from({ length: 150 }, (_, i) => [[i], 'function', 100 + i]) }, 'error'],
    ['a bad ref slot', { v: [null], r: [[[0], 'weird', 5]] }, 'error'],
    ['a ref slot on a host id', { v: [null], r: [[[0], 'function', -3]] }, 'error'],
    ['not an encoded value', 42, 'error'],
  ])('answers a return value that is %s without harm', async (_name, value, outcome) => {
    await using pair = await factory.make({ limits: { maxValueNodes: 100 } })
    const raw = await feeding(pair, 11)
    raw.send([{ t: 'ref-end', ref: 1, value }])
    const answer = await raw.next((f) => (f.t === 'result' || f.t === 'error') && f.id === 11)
    expect(answer.t).toBe(outcome)
    if (answer.t === 'error') {
      expect(answer.error!.message).toMatch(/ref-end/)
      expect(raw.frames.filter((f) => f.t === 'protocol-error')).toHaveLength(1)
    }
    await pair.waitFor(zero)
    await stillServes(pair)
  })

  it.each([
    ['readable', 'countItems', [[[0], 'readable', 1]]],
    ['channel', 'holdChannel', [[[0], 'channel', 1]]],
  ])('refuses a ref-end with a value on a %s the page sent', async (kind, method, r) => {
    await using pair = await factory.make()
    const { raw } = attacker(pair)
    raw.send([{ t: 'call', id: 13, path: [method], args: { v: [null], r } }])
    if (kind === 'readable') await raw.next((f) => f.t === 'ref-pull' && f.ref === 1)
    else await raw.next((f) => f.t === 'result' && f.id === 13)
    raw.send([{ t: 'ref-end', ref: 1, value: { v: 'forged' } }])
    expect((await raw.next((f) => f.t === 'protocol-error')).message).toMatch(/ref-end: ref 1 cannot end with a value/)
    raw.send([{ t: 'ref-end', ref: 1 }])
    if (kind === 'readable') expect(await raw.next((f) => f.id === 13)).toMatchObject({ t: 'result', value: { v: 0 } })
    await pair.waitFor(zero)
    await stillServes(pair)
  })

  it.each([
    ['unknown id', 77],
    ['host id', -77],
  ])('decodes a ref-end value for an %s only to end the refs in it', async (_name, ref) => {
    await using pair = await factory.make()
    const { raw } = attacker(pair)
    const r = Array.from({ length: 50 }, (_, i) => [[i], 'function', 100 + i])
    raw.send([{ t: 'ref-end', ref, value: { v: new Array(50).fill(null), r } }])
    raw.send([{ t: 'ref-end', ref, value: { v: dag(40) } }])
    raw.send([{ t: 'ref-end', ref, value: { v: [null], r: [[[0], 'channel', 3]] } }])
    await sleep(30)
    expect(raw.frames.filter((f) => f.t === 'protocol-error')).toEqual([])
    await pair.waitFor(zero)
    await stillServes(pair)
  })
})

describe.each(pairs)('a stream call\'s return value racing its cancel over $name', (factory) => {
  it('ends the live values a generator returns after its call was cancelled (a channel closes)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('race')
    const call = api.returnsLiveLate(k)
    const it = call[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 1, done: false })
    await until(() => api.hostileWireLog(k), (l) => l.includes('waiting'))
    await it.return!()
    await until(() => api.hostileWireLog(k), (l) => l.includes('onClose AbortError'))
    expect(await api.openGate(k)).toBe(true)
    const log = await until(() => api.hostileWireLog(k), (l) => l.some((x) => x.startsWith('channel closed')))
    expect(log).toEqual(['waiting', 'onClose AbortError', 'returning', 'finally', 'channel closed AbortError'])
    await pair.waitFor(zero)
  })

  it('ends the live values of a return value already sent when the cancel crosses it on the wire, once', async () => {
    await using pair = await factory.make()
    const { raw, peer } = attacker(pair)
    const k = key('crossed')
    raw.send([{ t: 'call', id: 20, path: ['returnsLiveLate'], args: { v: [k] } }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 20))
    await until(() => peer.api.hostileWireLog(k), (l) => l.includes('waiting'))
    await peer.api.openGate(k)
    const end = await raw.next((f) => f.t === 'ref-end' && f.ref === ref)
    expect((end.value as { r: unknown[] }).r).toHaveLength(2)
    // The page cancels as if it had not seen the end yet (the client on this port also ends the late value).
    raw.send([{ t: 'cancel', id: 20 }, { t: 'ref-end', ref, cancel: true }])
    await pair.waitFor(zero)
    await sleep(20)
    const log = await peer.api.hostileWireLog(k)
    expect(log.filter((x) => x.startsWith('channel closed'))).toHaveLength(1)
    expect(log.filter((x) => x.startsWith('onClose'))).toHaveLength(1)
    expect(log.filter((x) => x === 'finally')).toHaveLength(1)
    expect(raw.frames.filter((f) => f.t === 'protocol-error')).toEqual([])
  })
})

describe.each(pairs)('a stream call\'s context over $name', (factory) => {
  it('gives getContext() after every await in the generator, when each item waits for a later ref-pull', async () => {
    await using pair = await factory.make()
    const { raw, peer } = attacker(pair)
    const k = key('ctx')
    raw.send([{ t: 'call', id: 30, path: ['contextAfterAwaits'], args: { v: [k, 6] }, w: 1 }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 30))
    for (let i = 0; i < 6; i++) {
      await raw.next((f) => f.t === 'ref-push' && f.ref === ref)
      await sleep(3)
      raw.send([{ t: 'ref-pull', ref, n: 1 }])
    }
    expect(await raw.next((f) => f.t === 'ref-end' && f.ref === ref)).toMatchObject({ value: { v: 'done' } })
    expect(await peer.api.hostileWireLog(k)).toEqual(new Array(6).fill('same'))
    await pair.waitFor(zero)
  })

  it('cancels a stream call before its result arrives, with nothing left on either side', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('early')
    const call = api.returnsLiveLate(k)
    await call.cancel()
    await expect(call).rejects.toThrow(/cancelled/)
    await sleep(20)
    await pair.waitFor(zero)
    const log = await api.hostileWireLog(k)
    expect(log.filter((x) => x.startsWith('onClose')).length).toBeLessThanOrEqual(1)
  })
})

describe.each(pairs)('an awaited stream call whose yields hold Blobs over $name', (factory) => {
  const MiB = 1 << 20
  it('stops reading the Blobs of yields already arriving when the call is awaited late', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const call = api.bigBlobsThenReturn(256 * MiB, 3)
    // Not awaited yet: the first yield's Blob starts arriving (idle calls queue their first window).
    await until(() => api.placesProbe(), (p) => p.sliced > 0)
    const done = await call
    expect(done).toBeInstanceOf(File)
    expect(await done.text()).toBe('done')
    await pair.waitFor(zero)
    // Far less than one of the three 256 MiB Blobs: the one under way was cancelled, the later ones never read.
    const { sliced } = await api.placesProbe()
    expect(sliced).toBeLessThan(64 * MiB)
  })
})

describe.each(pairs)('a Blob in a stream call\'s return value over $name', (factory) => {
  const MiB = 1 << 20
  it('arrives as a real Blob after the yields, for a page that iterated the call', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.returnsBlob(3 * MiB + 5)
    const got: number[] = []
    for await (const x of call) got.push(x)
    expect(got).toEqual([1])
    const { blob } = await call
    expect(blob).toBeInstanceOf(Blob)
    expect(blob.size).toBe(3 * MiB + 5)
    expect(new Uint8Array(await blob.slice(0, 4).arrayBuffer())).toEqual(new Uint8Array([7, 7, 7, 7]))
    await pair.waitFor(zero)
  })

  it('stops its transfer when the call is cancelled while it arrives, and the host ends the call', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const before = await api.returnedBlobProbe()
    const call = api.returnsBlob(512 * MiB)
    const it = call[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 1, done: false })
    const end = it.next()
    await until(() => api.returnedBlobProbe(), (n) => n > before)
    await call.cancel()
    expect(await end).toEqual({ value: undefined, done: true })
    await expect(call).rejects.toThrow(/cancelled/)
    await pair.waitFor(zero)
    const sliced = (await api.returnedBlobProbe()) - before
    await sleep(100)
    expect((await api.returnedBlobProbe()) - before).toBe(sliced)
    expect(sliced).toBeLessThan(128 * MiB)
  })
})
