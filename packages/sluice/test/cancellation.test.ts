import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('cancellation over $name', (factory) => {
  it('cancel() stops the generator and runs its finally exactly once', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.infinite()
    const it = call[Symbol.asyncIterator]()
    await it.next()
    await call.cancel()
    expect(await it.next()).toEqual({ value: undefined, done: true })
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    await pair.waitFor((s) => s.streams === 0)
    await new Promise((r) => setTimeout(r, 30))
    expect((await api.probe()).finallies.infinite).toBe(1)
  })

  it('break out of for await stops the generator', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    let n = 0
    for await (const _ of api.infinite()) if (++n === 10) break
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.infinite).toBe(1)
  })

  it('.return() on the iterator stops the generator', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const it = api.count(1_000_000)[Symbol.asyncIterator]()
    await it.next()
    expect(await it.return!()).toEqual({ value: undefined, done: true })
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.count).toBe(1)
  })

  it('an AbortSignal argument arrives on the host as the call context signal', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.isContextSignal(new AbortController().signal)).toBe(true)
  })

  it('an AbortSignal aborts a stream from the caller', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const ctrl = new AbortController()
    const call = api.infiniteWithSignal(ctrl.signal)
    const got: unknown[] = []
    await expect(async () => {
      for await (const x of call) {
        got.push(x)
        if (got.length === 5) ctrl.abort('enough')
      }
    }).rejects.toMatchObject({ name: 'AbortError', abortValue: 'enough' })
    expect(got).toHaveLength(5)
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.infiniteWithSignal).toBe(1)
  })

  it('an already-aborted signal rejects at once and sends nothing', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(api.infiniteWithSignal(AbortSignal.abort('no'))).rejects.toMatchObject({ name: 'AbortError', abortValue: 'no' })
    expect((await api.probe()).produced.infiniteWithSignal).toBeUndefined()
  })

  it('aborts getContext().signal at once while the generator is suspended in an await', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.stuckInAwait()
    const it = call[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ value: 1, done: false })
    const pending = it.next() // the host is now inside a 60 s await
    await new Promise((r) => setTimeout(r, 20))
    await call.cancel()
    expect(await pending).toEqual({ value: undefined, done: true })
    await pair.waitFor((s) => s.streams === 0)
    const probe = await api.probe()
    expect(probe.signalAborted.stuckInAwait).toBe(1)
    expect(probe.finallies.stuckInAwait).toBe(1)
  })

  it('settles the client at once, without waiting for the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.stuckInAwait()
    const it = call[Symbol.asyncIterator]()
    await it.next()
    const pending = it.next()
    let settled = false
    void pending.then(() => (settled = true))
    void call.cancel()
    await Promise.resolve()
    await Promise.resolve()
    expect(settled).toBe(true)
  })

  it('cancels a plain call: its context signal aborts', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const call = api.slowPlain(60_000) as unknown as { cancel(): Promise<void> } & PromiseLike<string>
    await new Promise((r) => setTimeout(r, 20))
    await call.cancel()
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    await pair.waitFor((s) => s.calls === 0)
    expect((await api.probe()).signalAborted.slowPlain).toBe(1)
  })
})

describe.each(pairs)('teardown over $name', (factory) => {
  it("closing one connection from the host cancels exactly that peer's streams", async () => {
    await using pair = await factory.make()
    const a = pair.connect({ peer: { name: 'a' } })
    const b = pair.connect({ peer: { name: 'b' } })
    const aCall = a.api.infinite()
    const bIt = b.api.count(1_000_000)[Symbol.asyncIterator]()
    await bIt.next()
    await pair.waitFor((s) => s.streams === 2)
    await a.closeFromHost()
    await expect(aCall).rejects.toMatchObject({ name: 'DisconnectedError' })
    await pair.waitFor((s) => s.streams === 1)
    // b keeps going
    for (let i = 1; i < 300; i++) expect((await bIt.next()).value).toBe(i)
    expect((await b.api.probe()).finallies).toEqual({ infinite: 1 })
    await bIt.return!()
    await pair.waitFor((s) => s.streams === 0 && s.connections === 1)
  })

  it('the port closing on the client side ends that peer on the host, and stats return to zero', async () => {
    await using pair = await factory.make()
    const a = pair.connect()
    const b = pair.connect()
    void a.api.infinite().then(
      () => {},
      () => {},
    )
    void a.api.stuckInAwait()[Symbol.asyncIterator]().next()
    void a.api.slowPlain(60_000).then(
      () => {},
      () => {},
    )
    await pair.waitFor((s) => s.streams === 2 && s.calls === 1)
    a.port.close()
    const s = await pair.waitFor((st) => st.streams === 0 && st.calls === 0 && st.connections === 1)
    expect(s.peers.filter((p) => p.open)).toHaveLength(1)
    const probe = await b.api.probe()
    expect(probe.finallies).toMatchObject({ stuckInAwait: 1 })
    expect(probe.signalAborted).toMatchObject({ stuckInAwait: 1, slowPlain: 1 })
  })

  it('calls on a closed client reject with a DisconnectedError', async () => {
    await using pair = await factory.make()
    const a = pair.connect()
    await a.closeFromHost()
    await new Promise((r) => setTimeout(r, 20))
    await expect(a.api.add(1, 2)).rejects.toMatchObject({ name: 'DisconnectedError' })
  })
})
