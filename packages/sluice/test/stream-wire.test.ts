/**
 * One family of item frames (issue 8): a stream call's result is its stream, sent as an `iterable` ref; its
 * items travel as `ref-push`, its grants as `ref-pull`, and its end, with the generator's return value, as
 * `ref-end`. The same frames carry every other stream, so an iterator's return value now crosses for any
 * async iterable, in either direction.
 */
import type { MessagePort } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { release } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'
import { openStream, pushedItems, rawPeer, streamRef, type WireFrame } from './__shared__/raw.js'
import { key, sleep, until } from './__shared__/wait.js'


/** Every frame the host sends on the client's port, in order. */
function frames(port: MessagePort): WireFrame[] {
  const seen: WireFrame[] = []
  port.addEventListener('message', (e) => {
    const data = (e as unknown as { data: unknown }).data
    if (Array.isArray(data)) seen.push(...(data as WireFrame[]))
  })
  return seen
}


describe.each(pairs)('one family of item frames over $name', (factory) => {
  it('answers a stream call with its stream as a ref: a result, ref-push items, then a ref-end with the return value', async () => {
    await using pair = await factory.make()
    const { api, port } = pair.connect()
    const seen = frames(port)
    const call = api.count(5)
    const got: number[] = []
    for await (const x of call) got.push(x)
    expect(got).toEqual([0, 1, 2, 3, 4])
    expect(await call).toBe('counted 5')
    const tags = new Set(seen.map((f) => f.t))
    expect([...tags].sort()).toEqual(['ref-end', 'ref-push', 'result'])
    const ref = streamRef(seen[0]!)
    expect(seen.filter((f) => f.t === 'ref-push').every((f) => f.ref === ref)).toBe(true)
    const end = seen.at(-1)!
    expect(end).toMatchObject({ t: 'ref-end', ref, value: { v: 'counted 5' } })
    await pair.waitFor((s) => s.calls === 0 && s.streams === 0 && s.refs === 0)
  })

  it('gives the return value of an async iterable inside a result as its last next()', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { feed } = await api.feedWithReturn(3)
    const it = feed[Symbol.asyncIterator]()
    const steps: IteratorResult<number, unknown>[] = []
    for (;;) {
      const step = await it.next()
      steps.push(step)
      if (step.done) break
    }
    expect(steps.map((s) => s.value)).toEqual([0, 1, 2, { total: 3, at: new Date(0) }])
    expect(steps.at(-1)!.done).toBe(true)
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it('hands the host the return value of an async-iterable argument at the end of its reading', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    async function* feed(): AsyncGenerator<number, string> {
      yield 7
      yield 8
      return 'bye'
    }
    expect(await api.readToEnd(feed())).toEqual({ items: [7, 8], returned: 'bye' })
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it('keeps a stream call open while a callback it returned lives, and closes it when the page releases it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('callback')
    const call = api.yieldsThenCallback(k)
    const got: number[] = []
    for await (const x of call) got.push(x)
    expect(got).toEqual([1, 2])
    const fn = await call
    expect(await fn()).toBe(`hello from ${k}`)
    await sleep(30)
    expect(await api.wireLog(k)).toEqual(['returned'])
    expect((await pair.stats()).refs).toBe(1)
    release(fn)
    const log = await until(() => api.wireLog(k), (l) => l.length > 1)
    expect(log).toEqual(['returned', 'onClose normal'])
    await pair.waitFor((s) => s.calls === 0 && s.streams === 0 && s.refs === 0)
  })

  it.each([
    ['a cancel frame for the call', (_ref: number) => ({ t: 'cancel', id: 900 })],
    ["a ref-end cancel of the call's stream", (ref: number) => ({ t: 'ref-end', ref, cancel: true })],
  ])('ends a stream call at %s: signal, onClose and finally run once, and the host sends nothing more for it', async (_name, frame) => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const raw = rawPeer(peer.port)
    const k = key('cancel')
    const ref = await openStream(raw, 900, ['watchedStream'], [k])
    raw.send([frame(ref)])
    const log = await until(() => peer.api.wireLog(k), (l) => l.includes('finally'))
    expect(log).toEqual(['signal aborted', 'onClose AbortError', 'finally'])
    await pair.waitFor((s) => s.calls === 0 && s.streams === 0 && s.refs === 0)
    await sleep(20)
    expect(raw.frames.filter((f) => f.ref === ref && f.t === 'ref-end')).toEqual([])
  })

  it('refuses a ref-end with a value for a stream the host produces, and the stream carries on', async () => {
    await using pair = await factory.make()
    const peer = pair.connect({ client: { onProtocolError: () => {} } })
    const raw = rawPeer(peer.port)
    raw.send([{ t: 'call', id: 902, path: ['count'], args: { v: [1000] }, w: 4 }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 902))
    raw.send([{ t: 'ref-end', ref, value: { v: 'forged' } }])
    expect((await raw.next((f) => f.t === 'protocol-error')).message).toMatch(/ref-end: ref -?\d+ cannot end with a value/)
    raw.send([{ t: 'ref-pull', ref, n: 10 }])
    let items = 0
    while (items < 14) items += (await raw.next((f) => f.t === 'ref-push' && f.ref === ref)).items!.length
    expect(items).toBe(14)
    raw.send([{ t: 'cancel', id: 902 }])
    await pair.waitFor((s) => s.calls === 0 && s.streams === 0 && s.refs === 0)
  })

  it('grants the first window with the call (w): the host sends that many items before any ref-pull', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const raw = rawPeer(peer.port)
    raw.send([{ t: 'call', id: 903, path: ['count'], args: { v: [1000] }, w: 5 }])
    const ref = streamRef(await raw.next((f) => f.t === 'result' && f.id === 903))
    let items = 0
    while (items < 5) items += (await raw.next((f) => f.t === 'ref-push' && f.ref === ref)).items!.length
    await sleep(30)
    expect(items + pushedItems(raw)).toBe(5)
    raw.send([{ t: 'cancel', id: 903 }])
    await pair.waitFor((s) => s.calls === 0 && s.streams === 0 && s.refs === 0)
  })
})
