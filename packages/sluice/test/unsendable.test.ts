/**
 * Values that cannot cross: the encoder refuses what it can name (a symbol, a function outside a ref
 * position), and what slips past it (a WeakMap, which postMessage refuses at flush time) still becomes an
 * error for the caller, never an exception in the host's event loop.
 */
import { describe, expect, it } from 'vitest'
import { decode, encode } from '../src/shared/codec.js'
import { pairs } from './__shared__/pairs.js'

describe('the codec', () => {
  it('keeps cycles (through superjson)', () => {
    const a: { name: string; when: Date; self?: unknown } = { name: 'a', when: new Date(1) }
    a.self = a
    const out = decode(structuredClone(encode(a))) as typeof a
    expect(out.self).toBe(out)
    expect(out.when).toEqual(new Date(1))
  })

  it('refuses a symbol, and a function where no ref can go, naming where it is', () => {
    expect(() => encode({ a: [1, Symbol('s')] })).toThrow(/a symbol cannot be sent \(at a\.1\)/)
    expect(() => encode({ m: new Map([[1, () => 1]]) })).toThrow(/a function cannot be sent/)
    expect(() => encode(() => 1)).toThrow(/a function cannot be sent here/)
  })
})

describe.each(pairs)('unsendable values over $name', (factory) => {
  it('an argument postMessage refuses rejects the call, and the client keeps working', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(api.echo({ w: new WeakMap() })).rejects.toThrow(/api\.echo\(\): the arguments could not be sent/)
    expect(await api.add(1, 2)).toBe(3)
  })

  it('a result postMessage refuses rejects the call with a TypeError instead of crashing the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(api.unclonable()).rejects.toMatchObject({ name: 'TypeError', message: expect.stringMatching(/could not be sent/) })
    expect(await api.add(2, 2)).toBe(4)
  })

  it('a yield postMessage refuses fails the stream after the yields before it, and stops the generator', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: unknown[] = []
    await expect(async () => {
      for await (const x of api.unclonableLater()) got.push(x)
    }).rejects.toThrow(/could not be sent/)
    expect(got.length).toBeLessThanOrEqual(1)
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.unclonableLater).toBe(1)
  })
})
