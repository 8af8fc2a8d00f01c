import { describe, expect, it } from 'vitest'
import { release } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'

const gc = async () => {
  const collect = (globalThis as { gc?: () => void }).gc!
  for (let i = 0; i < 3; i++) {
    collect()
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe.each(pairs)('callbacks over $name', (factory) => {
  it('a function argument becomes a callable on the host, resolving with its return value', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.callBack((x) => x * 2)).toBe(41)
    expect(await api.callBack(async (x) => x + 1)).toBe(22)
    const labels: string[] = []
    await api.callBackTwice((l) => void labels.push(l))
    expect(labels).toEqual(['one', 'two'])
  })

  it('a function returned by the host becomes a callable on the client', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const seen: number[] = []
    const unsubscribe = await api.subscribeTicks((n) => void seen.push(n), 5)
    await new Promise((r) => setTimeout(r, 60))
    const last = await unsubscribe()
    expect(seen.length).toBeGreaterThan(2)
    expect(last).toBeGreaterThanOrEqual(seen.at(-1)!)
  })

  it('an error thrown in a callback rejects the host side of the call', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(
      api.callBack(() => {
        throw new TypeError('client says no')
      }),
    ).rejects.toMatchObject({ name: 'TypeError', message: 'client says no' })
  })

  it('releases a callback when the host garbage-collects it, and stats return to zero', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.hold(async (x) => x * 3)
    expect(await api.callHeld(5)).toBe(15)
    await pair.waitFor((s) => s.refs === 1)
    await api.drop()
    await api.collectGarbage()
    await pair.waitFor((s) => s.refs === 0)
  })

  it('releases a host function when the client garbage-collects it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    // The host's timer keeps the client's callback alive; the client holds the host's unsubscribe.
    let unsubscribe: (() => Promise<number>) | undefined = await api.subscribeTicks(() => {}, 1000)
    await pair.waitFor((s) => s.refs === 2)
    unsubscribe = undefined
    void unsubscribe
    await gc()
    await pair.waitFor((s) => s.refs === 1)
  })

  it('rejects calls to a released function with a clear error', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const unsubscribe = await api.subscribeTicks(() => {}, 1000)
    release(unsubscribe)
    await expect(unsubscribe()).rejects.toThrow(/this function was released/)
  })

  it('tells the host its callback is gone once the client has closed', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    await peer.api.hold(async (x) => x)
    await pair.waitFor((s) => s.refs === 1)
    peer.port.close()
    await pair.waitFor((s) => s.refs === 0 && s.connections === 0)
    const other = pair.connect()
    await expect(other.api.callHeld(1)).rejects.toMatchObject({ name: 'DisconnectedError' })
  })
})

describe.each(pairs)('nested promises over $name', (factory) => {
  it('delivers the object at once and settles each promise on its own', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const r = await api.report(40)
    // The object arrived while its promises were still pending on the host (they settle 40 ms later, in frames
    // of their own): a clock-free check, so a loaded machine cannot fail it.
    expect(await Promise.race([r.summary.then(() => 'settled'), Promise.resolve('pending')])).toBe('pending')
    expect(r.title).toBe('Weekly')
    expect(r.summary).toBeInstanceOf(Promise)
    await expect(r.report).rejects.toMatchObject({ name: 'RangeError', message: 'report failed' })
    expect(await r.summary).toBe('all good')
    expect(await r.nested.deeper).toEqual(new Date(7))
    await pair.waitFor((s) => s.refs === 0)
  })

  it('rejects pending promises with a DisconnectedError when the host goes away', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const r = await peer.api.report(10_000)
    await peer.closeFromHost()
    await expect(r.summary).rejects.toMatchObject({ name: 'DisconnectedError' })
    await expect(r.report).rejects.toMatchObject({ name: 'DisconnectedError' })
  })
})
