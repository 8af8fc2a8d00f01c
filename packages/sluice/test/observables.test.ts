import { MessageChannel } from 'node:worker_threads'
import { finalize, firstValueFrom, from, interval, lastValueFrom, Observable, Subject, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { AbortError, DisconnectedError, ObservableOverflowError, release } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'
import { rawPeer } from './__shared__/raw.js'
import * as api from './fixtures/api.js'
import { FeedError } from './fixtures/observables.js'

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms))

/** Counts one Observable's subscriptions and teardowns on this (the page's) side. */
function counted<T>(source: Observable<T>) {
  const c = { subscribed: 0, teardowns: 0 }
  const observable = new Observable<T>((subscriber) => {
    c.subscribed++
    const inner = source.subscribe(subscriber)
    return () => {
      c.teardowns++
      inner.unsubscribe()
    }
  })
  return Object.assign(c, { observable })
}

describe.each(pairs)('Observables over $name', (factory) => {
  it('a returned RxJS Observable arrives as an Observable that rxjs.from() takes; take() unsubscribes the host source once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const ticks = await api.obsTicks(1)
    expect(await lastValueFrom(from(ticks).pipe(take(4), toArray()))).toEqual([0, 1, 2, 3])
    await pair.waitFor((s) => s.streams === 0 && s.refs === 1)
    await settle()
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
    // The Observable itself is held over there until released here; then the call is over too.
    release(ticks)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('subscribe(observer) returns an unsubscribe that tears the source down over there, exactly once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const ticks = await api.obsTicks(1)
    const seen: number[] = []
    const subscription = ticks.subscribe({ next: (x) => seen.push(x) })
    await expect.poll(() => seen.length).toBeGreaterThan(2)
    expect(subscription.closed).toBe(false)
    subscription.unsubscribe()
    subscription.unsubscribe()
    expect(subscription.closed).toBe(true)
    const count = seen.length
    await settle()
    expect(seen.length).toBe(count)
    expect(seen.slice(0, 3)).toEqual([0, 1, 2])
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
    release(ticks)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('is cold: each subscriber subscribes the host source once, and complete crosses to each', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const feed = await api.obsSubject()
    const a: string[] = []
    const b: string[] = []
    let completes = 0
    feed.subscribe({ next: (x) => a.push(x), complete: () => completes++ })
    feed.subscribe((x) => b.push(x), undefined, () => completes++)
    await expect.poll(async () => (await api.observableProbe()).subjectObservers).toBe(2)
    await api.obsNext('one')
    await api.obsNext('two')
    await api.obsComplete()
    await expect.poll(() => completes).toBe(2)
    expect(a).toEqual(['one', 'two'])
    expect(b).toEqual(['one', 'two'])
    expect(await api.observableProbe()).toMatchObject({ subscribed: 2, teardowns: 2 })
    release(feed)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('an error crosses with its class, message and fields, after the items before it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const failing = await api.obsFail()
    const error = await new Promise<unknown>((resolve) => failing.subscribe({ error: resolve }))
    expect(error).toBeInstanceOf(FeedError)
    expect(error).toMatchObject({ message: 'the feed is gone', code: 7 })
    await expect(lastValueFrom(from(failing))).rejects.toBeInstanceOf(FeedError)
    // The source failed by itself: RxJS ran its teardown; sluice never unsubscribes it a second time.
    expect(await api.observableProbe()).toMatchObject({ subscribed: 2, teardowns: 2 })
    release(failing)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('for await reads a received Observable with flow control, and break tears the source down once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const range = await api.obsRange(10)
    const all: number[] = []
    for await (const x of range) all.push(x)
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const ticks = await api.obsTicks(1)
    const some: number[] = []
    for await (const x of ticks) if (some.push(x) === 3) break
    expect(some).toEqual([0, 1, 2])
    await pair.waitFor((s) => s.streams === 0 && s.refs === 2)
    await settle()
    expect(await api.observableProbe()).toMatchObject({ subscribed: 2, teardowns: 2 })
    release(range)
    release(ticks)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('Observables yielded by a generator arrive as Observables', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const got: number[][] = []
    for await (const inner of api.obsYields(3)) {
      got.push(await lastValueFrom(from(inner).pipe(toArray())))
      release(inner)
    }
    expect(got).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
    ])
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
    expect(await api.observableProbe()).toMatchObject({ subscribed: 3, teardowns: 3 })
  })

  it('an Observable argument is subscribed by the host; take() on the host unsubscribes the page source once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const source = counted(interval(1))
    expect(await api.obsCollect(source.observable, 3)).toEqual([0, 1, 2])
    await settle()
    expect(source).toMatchObject({ subscribed: 1, teardowns: 1 })
    const subject = new Subject<number>()
    const drained = api.obsDrain(subject)
    await expect.poll(() => subject.observed).toBe(true)
    subject.next(1)
    subject.next(2)
    subject.complete()
    expect(await drained).toEqual({ items: [1, 2] })
    // The host's proxies for the page's Observables go when the host collects them.
    await api.obsCollectGarbage()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('a page Observable goes to the host and comes back mapped (page → host → page)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const input = new Subject<number>()
    const doubled = await api.obsDouble(input)
    const out: number[] = []
    let completed = false
    doubled.subscribe({ next: (x) => out.push(x), complete: () => (completed = true) })
    await expect.poll(() => input.observed).toBe(true)
    input.next(1)
    input.next(21)
    input.complete()
    await expect.poll(() => completed).toBe(true)
    expect(out).toEqual([2, 42])
    release(doubled)
    await api.obsCollectGarbage()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('the peer going away errors a subscriber with DisconnectedError and tears down the sources on both sides once', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.observableReset()
    const ticks = await peer.api.obsTicks(2)
    let error: unknown
    ticks.subscribe({ error: (e) => (error = e) })
    const mine = counted(interval(2))
    await peer.api.obsHold(mine.observable)
    await expect.poll(async () => (await peer.api.observableProbe()).argItems).toBeGreaterThan(0)
    const checker = pair.connect()
    await peer.closeFromHost()
    await expect.poll(() => error).toBeInstanceOf(DisconnectedError)
    await expect.poll(() => mine.teardowns).toBe(1)
    expect(mine.subscribed).toBe(1)
    await expect.poll(async () => (await checker.api.observableProbe()).teardowns).toBe(1)
    expect((await checker.api.observableProbe()).subscribed).toBe(1)
    await pair.waitFor((s) => s.refs === 0 && s.streams === 0 && s.calls === 0)
  })

  it("aborting the call's AbortSignal ends the live subscriptions of the Observable it returned, and tears the source down once", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.observableReset()
    const ctrl = new AbortController()
    const ticks = await api.obsTicksUntilAborted(1, ctrl.signal)
    let error: unknown
    let items = 0
    ticks.subscribe({ next: () => items++, error: (e) => (error = e) })
    await expect.poll(() => items).toBeGreaterThan(2)
    ctrl.abort()
    await expect.poll(() => error).toBeInstanceOf(AbortError)
    await expect.poll(async () => (await api.observableProbe()).teardowns).toBe(1)
    // The Observable went with its call: a later subscribe is refused.
    const late = await new Promise<unknown>((resolve) => ticks.subscribe({ error: resolve }))
    expect((late as Error).message).toMatch(/released, or never existed/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
  })

  it('a stalled reader: the host buffers at most one window, then fails the subscription and unsubscribes its source', async () => {
    await using pair = await factory.make({ flow: { initialWindow: 16, maxWindow: 64 } })
    const { api } = pair.connect({ client: { flow: { initialWindow: 16, maxWindow: 64 } } })
    await api.observableReset()
    const flood = await api.obsFlood(50)
    const iterator = flood[Symbol.asyncIterator]()
    expect((await iterator.next()).value).toBe(0)
    // Nothing reads now. The host may hold one window (64 items) waiting for credit; past it the source goes.
    await expect.poll(async () => (await api.observableProbe()).teardowns, { timeout: 3000 }).toBe(1)
    await pair.waitFor((s) => s.streams === 0 && s.refs === 1)
    // The reader still gets what was granted (at most its window), then the overflow error.
    let read = 1
    const error = await (async () => {
      try {
        for (;;) {
          const step = await iterator.next()
          if (step.done) return undefined
          read++
        }
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(RangeError)
    expect((error as Error).name).toBe('ObservableOverflowError')
    expect((error as Error).message).toMatch(/flow\.maxWindow \(64\)/)
    expect(read).toBeLessThanOrEqual(16 + 64)
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
    release(flood)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('the byte bound: large items overflow at flow.maxWindowBytes, well before the item count', async () => {
    await using pair = await factory.make({ flow: { maxWindowBytes: 64 * 1024 } })
    const { api } = pair.connect({ client: { flow: { initialWindow: 4 } } })
    await api.observableReset()
    const flood = await api.obsFlood(2, 8 * 1024)
    let error: unknown
    let items = 0
    const subscription = flood.subscribe({ next: () => items++, error: (e) => (error = e) })
    // A subscriber keeps up; a for-await reader that stops does not.
    subscription.unsubscribe()
    const iterator = flood[Symbol.asyncIterator]()
    await iterator.next()
    await expect.poll(async () => (await api.observableProbe()).teardowns, { timeout: 3000 }).toBe(2)
    await expect(
      (async () => {
        for (;;) if ((await iterator.next()).done) return
      })(),
    ).rejects.toThrow(/flow\.maxWindowBytes \(65536\)/)
    expect(error).toBeUndefined()
    release(flood)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('a source that emits past the window inside subscribe() fails at once, before delivering anything', async () => {
    await using pair = await factory.make({ flow: { initialWindow: 16, maxWindow: 32 } })
    const { api } = pair.connect()
    await api.observableReset()
    const burst = await api.obsBurst(1000)
    const seen: number[] = []
    const error = await new Promise<unknown>((resolve) => burst.subscribe({ next: (x) => seen.push(x), error: resolve }))
    expect(error).toBeInstanceOf(ObservableOverflowError)
    expect(seen).toEqual([])
    const fine = await api.obsBurst(20)
    expect(await lastValueFrom(from(fine).pipe(take(20), toArray()))).toHaveLength(20)
    expect(await api.observableProbe()).toMatchObject({ subscribed: 2, teardowns: 2 })
    release(burst)
    release(fine)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('an object with subscribe() but no interop method is still a bag of callbacks', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.obsNotAnObservable({ subscribe: async (x) => x + 1 })).toBe(21)
  })

  it('the page side tears down a source the host subscribed when the host unsubscribes, and the counts return to zero', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let teardowns = 0
    const source = interval(1).pipe(finalize(() => teardowns++))
    for (let i = 0; i < 3; i++) expect(await api.obsCollect(source, 2)).toEqual([0, 1])
    await expect.poll(() => teardowns).toBe(3)
    await api.obsCollectGarbage()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })
})

describe('Observables from a hostile page', () => {
  async function rawPair(options?: Parameters<typeof createHost>[1]) {
    const host = createHost(api, options)
    const { port1, port2 } = new MessageChannel()
    host.connect(port1)
    const raw = rawPeer(port2)
    await raw.send([{ t: 'call', id: 1, path: ['observableReset'], args: { v: [] } }])
    await raw.next((f) => f.t === 'result' && f.id === 1)
    return {
      host,
      raw,
      [Symbol.asyncDispose]: async () => {
        host.close()
        port2.close()
        await api.observableReset()
      },
    }
  }

  /** Calls `obsTicks`/`obsFlood` and returns the observable ref id from the result. */
  async function observableRef(raw: ReturnType<typeof rawPeer>, path: string, args: unknown[], id: number): Promise<number> {
    raw.send([{ t: 'call', id, path: [path], args: { v: args } }])
    const result = (await raw.next((f) => f.t === 'result' && f.id === id)) as { value: { r: [unknown[], string, number][] } }
    const [slot] = result.value.r
    expect(slot![1]).toBe('observable')
    return slot![2]
  }

  it('a subscriber that never grants credit costs one window, then the source is unsubscribed and the page told', async () => {
    await using p = await rawPair({ flow: { maxWindow: 128 } })
    const ref = await observableRef(p.raw, 'obsFlood', [100], 2)
    p.raw.send([{ t: 'ref-call', ref, call: 1, args: { v: [] } }])
    const answer = (await p.raw.next((f) => f.t === 'ref-result' && f.call === 1)) as { value: { r: [unknown[], string, number][] } }
    const [, kind, stream] = answer.value.r[0]!
    expect(kind).toBe('iterable')
    const end = await p.raw.next((f) => f.t === 'ref-end' && f.ref === stream, 3000)
    expect(end.error).toMatchObject({ name: 'ObservableOverflowError' })
    expect(end.error!.message).toMatch(/flow\.maxWindow \(128\)/)
    expect(p.raw.frames.filter((f) => f.t === 'ref-push')).toHaveLength(0)
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
    expect(p.host.stats().streams + p.host.stats().refs).toBe(1)
  })

  it('subscriptions count against limits.maxRefStreams: one past it is refused, and every source is torn down once', async () => {
    await using p = await rawPair({ limits: { maxRefStreams: 4 } })
    const ref = await observableRef(p.raw, 'obsTicks', [5], 2)
    p.raw.send([1, 2, 3, 4, 5, 6].map((call) => ({ t: 'ref-call', ref, call, args: { v: [] } })))
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((call) => p.raw.next((f) => f.t === 'ref-result' && f.call === call)))
    expect(answers.filter((a) => a.value !== undefined)).toHaveLength(4)
    for (const refused of answers.filter((a) => a.error !== undefined)) expect(refused.error!.message).toMatch(/maxRefStreams/)
    // The refused ones were subscribed, then unsubscribed at once: four live sources remain.
    await expect.poll(async () => (await api.observableProbe()).teardowns).toBe(2)
    expect((await api.observableProbe()).subscribed).toBe(6)
    p.raw.close()
    await expect.poll(async () => (await api.observableProbe()).teardowns).toBe(6)
    await expect.poll(() => p.host.stats().refs + p.host.stats().connections).toBe(0)
  })

  it('subscribe with arguments, items pushed at an observable ref, and a second cancel are refused without harm', async () => {
    await using p = await rawPair()
    const ref = await observableRef(p.raw, 'obsTicks', [1], 2)
    p.raw.send([{ t: 'ref-call', ref, call: 1, args: { v: [1, 2] } }])
    const refused = await p.raw.next((f) => f.t === 'ref-result' && f.call === 1)
    expect(refused.error!.message).toMatch(/takes no arguments/)
    p.raw.send([{ t: 'ref-push', ref, items: [1] }])
    await p.raw.next((f) => f.t === 'protocol-error' && /does not receive items/.test(f.message!))
    p.raw.send([{ t: 'ref-call', ref, call: 2, args: { v: [] } }])
    const answer = (await p.raw.next((f) => f.t === 'ref-result' && f.call === 2)) as { value: { r: [unknown[], string, number][] } }
    const stream = answer.value.r[0]![2]
    p.raw.send([{ t: 'ref-pull', ref: stream, n: 4 }])
    await p.raw.next((f) => f.t === 'ref-push' && f.ref === stream)
    p.raw.send([{ t: 'ref-end', ref: stream, cancel: true }])
    p.raw.send([{ t: 'ref-end', ref: stream, cancel: true }])
    await expect.poll(async () => (await api.observableProbe()).teardowns).toBe(1)
    await settle()
    expect(await api.observableProbe()).toMatchObject({ subscribed: 1, teardowns: 1 })
    p.raw.send([{ t: 'ref-release', ref, n: 1 }])
    await expect.poll(() => p.host.stats().refs + p.host.stats().calls).toBe(0)
    // Subscribing to a released Observable is answered with an error, not a crash.
    p.raw.send([{ t: 'ref-call', ref, call: 3, args: { v: [] } }])
    const gone = await p.raw.next((f) => f.t === 'ref-result' && f.call === 3)
    expect(gone.error!.message).toMatch(/released, or never existed/)
  })

  it('a page that answers the host’s subscribe with a non-stream errors that subscription only', async () => {
    await using p = await rawPair()
    // The page passes an Observable (ref 1) to obsDrain; the host subscribes with a ref-call.
    p.raw.send([{ t: 'call', id: 2, path: ['obsDrain'], args: { v: [null], r: [[[0], 'observable', 1]] } }])
    const subscribe = await p.raw.next((f) => f.t === 'ref-call' && f.ref === 1)
    p.raw.send([{ t: 'ref-result', call: subscribe.call, value: { v: 42 } }])
    const result = (await p.raw.next((f) => f.t === 'result' && f.id === 2)) as { value: { v: { error: string } } }
    expect(result.value.v.error).toMatch(/not a stream/)
    // The host is fine: the next call works.
    const ref = await observableRef(p.raw, 'obsRange', [3], 3)
    expect(ref).toBeLessThan(0)
  })
})
