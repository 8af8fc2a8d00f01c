/**
 * Call lifetimes, Telefunc-grade (issue 8): `signal` and `onClose` fire at the moment of a cancel, a call lives
 * as long as the live values it returned, the call's AbortSignal ends those values even after it returned,
 * and `cancel()` wins over whatever is already buffered.
 */
import { describe, expect, it } from 'vitest'
import { pairs, sameThread } from './__shared__/pairs.js'
import { key, sleep, until } from './__shared__/wait.js'


describe.each(pairs)('call lifetimes over $name', (factory) => {
  it('runs onClose at the moment of a cancel, while the handler still awaits its upstream', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('chat')
    const ctrl = new AbortController()
    const answer = api.chatAnswer(k, 20, ctrl.signal)
    await until(() => api.lifetimeLog(k), (l) => l.includes('step 2'))
    ctrl.abort()
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' })
    const log = await until(() => api.lifetimeLog(k), (l) => l.some((x) => x.startsWith('handler returned')))
    // onClose ran before the handler returned, and the upstream stopped: not all 20 steps ran.
    const closeAt = log.indexOf('onClose AbortError')
    const returnedAt = log.findIndex((x) => x.startsWith('handler returned'))
    expect(closeAt).toBeGreaterThan(-1)
    expect(closeAt).toBeLessThan(returnedAt)
    expect(log.filter((x) => x.startsWith('step')).length).toBeLessThan(6)
    expect(log.filter((x) => x.startsWith('onClose'))).toHaveLength(1)
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it('runs onClose at disconnect while the handler still runs', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const k = key('chat-dc')
    void peer.api.chatAnswer(k, 20).then(
      () => {},
      () => {},
    )
    await until(() => peer.api.lifetimeLog(k), (l) => l.includes('step 1'))
    await peer.closeFromHost()
    const other = pair.connect()
    const log = await until(() => other.api.lifetimeLog(k), (l) => l.some((x) => x.startsWith('handler returned')))
    expect(log.indexOf('onClose DisconnectedError')).toBeLessThan(log.findIndex((x) => x.startsWith('handler returned')))
    expect(log.filter((x) => x.startsWith('step')).length).toBeLessThan(6)
  })

  it('keeps a call open while the channel it returned is open, and runs onClose when it closes', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('ticker')
    const channel = await api.ticker(k, 5)
    const got: number[] = []
    channel.listen((n) => void got.push(n))
    await until(async () => got.length, (n) => n >= 3)
    // The handler returned long ago; its timer still runs because the channel is still open.
    expect(await api.lifetimeLog(k)).toEqual(['returned'])
    channel.close()
    const log = await until(() => api.lifetimeLog(k), (l) => l.length > 1)
    expect(log).toEqual(['returned', 'onClose normal'])
    const seen = got.length
    await sleep(30)
    expect(got.length).toBe(seen) // the interval was cleared
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it('keeps a call open while the callback it returned is held, and runs onClose once it is released', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { release } = await import('../src/renderer/index.js')
    const k = key('fn')
    const next = await api.counterFn(k)
    expect(await next()).toBe(1)
    expect(await next()).toBe(2)
    expect(await api.lifetimeLog(k)).toEqual([])
    release(next)
    expect(await until(() => api.lifetimeLog(k), (l) => l.length > 0)).toEqual(['onClose normal'])
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it("cancels a returned ReadableStream through the call's AbortSignal, after the call returned", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const k = key('numbers')
    const ctrl = new AbortController()
    const stream = await api.endlessNumbers(k, ctrl.signal)
    const reader = stream.getReader()
    expect((await reader.read()).value).toBe(0)
    expect(await api.lifetimeLog(k)).toEqual([])
    ctrl.abort('enough')
    // The reader fails the way a fetch body does when its signal aborts.
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended quietly'
    })()).rejects.toMatchObject({ name: 'AbortError' })
    const log = await until(() => api.lifetimeLog(k), (l) => l.length >= 2)
    expect(log.sort()).toEqual(['onClose AbortError', 'source cancelled'])
    await pair.waitFor((s) => s.calls === 0 && s.refs === 0)
  })

  it('ends iteration at once on cancel() and rejects await with an AbortError, though every item and the return are buffered', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.quick(5)
    const it = call[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 0, done: false })
    // Let the host finish: the other four items and the return value are now queued here.
    await sleep(30)
    await call.cancel()
    expect(await it.next()).toEqual({ value: undefined, done: true })
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('still gives the return value when iteration ran to the end before the await', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.quick(3)
    const seen: number[] = []
    for await (const n of call) seen.push(n)
    expect(seen).toEqual([0, 1, 2])
    expect(await call).toBe('finished')
  })
})

describe('onError', () => {
  // A host in a Worker cannot take a function through workerData, so this runs with the host in this thread.
  it('hears a call to an unknown method as a protocol error', async () => {
    const heard: string[] = []
    await using pair = await sameThread.make({ onError: (e, info) => void heard.push(`${info.kind}: ${(e as Error).message}`) })
    const { api } = pair.connect()
    await expect((api as unknown as { nope(): Promise<void> }).nope()).rejects.toMatchObject({ name: 'ProtocolError' })
    expect(heard).toEqual([expect.stringMatching(/^protocol: .*no method 'api\.nope'/)])
  })
})
