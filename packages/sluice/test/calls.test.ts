import { describe, expect, it } from 'vitest'
import { Point, QuotaError } from './fixtures/api.js'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('calls over $name', (factory) => {
  it('resolves async and sync exports as promises', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.add(2, 3)).toBe(5)
    expect(await api.syncDouble(21)).toBe(42)
  })

  it('reaches functions in nested plain objects', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.nested.math.mul(6, 7)).toBe(42)
  })

  it('accepts fewer arguments, default parameters and rest parameters', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.optional(1)).toBe(11)
    expect(await api.optional(1, 2)).toBe(3)
    expect(await api.variadic(1, 2, 3, 4, 5)).toBe(15)
  })

  it('round-trips Date, Map, Set, BigInt, undefined, RegExp, bytes and registered classes', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const t = await api.types()
    expect(t.date).toBeInstanceOf(Date)
    expect(t.date.getTime()).toBe(1_700_000_000_000)
    expect(t.map).toEqual(new Map([['a', 1]]))
    expect(t.set).toEqual(new Set([1, 2]))
    expect(t.big).toBe(2n ** 70n)
    expect('undef' in t && t.undef === undefined).toBe(true)
    expect(t.re).toEqual(/sl(u)ice/gi)
    expect(t.bytes).toEqual(new Uint8Array([1, 2, 3]))
    expect(t.point).toBeInstanceOf(Point)
    expect(t.point.norm()).toBe(5)
    expect(t.nested[0]!.when).toBeInstanceOf(Date)
    expect(t.nested[0]!.where).toBeInstanceOf(Point)
  })

  it('sends registered class instances as arguments', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    // Generic handlers lose their type parameter through Parameters/ReturnType, so name the type here.
    const back = (await api.echo({ p: new Point(6, 8), when: new Date(5) })) as { p: Point; when: Date }
    expect(back.p).toBeInstanceOf(Point)
    expect(back.p.norm()).toBe(10)
    expect(back.when).toEqual(new Date(5))
  })

  it('tells getContext() who is calling and what', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ peer: { window: 'main' } })
    const me = await api.whoAmI()
    expect(me.method).toBe('whoAmI')
    expect(me.peer).toMatchObject({ window: 'main' })
    expect(typeof me.peer.id).toBe('number')
  })

  it('keeps getContext() inside each generator step', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: string[] = []
    for await (const m of api.contextInGenerator()) got.push(m)
    expect(got).toEqual(['contextInGenerator', 'contextInGenerator'])
  })
})

describe.each(pairs)('errors over $name', (factory) => {
  it('rejects a plain call with the thrown error', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(api.throwRich('plain')).rejects.toMatchObject({ name: 'Error', message: 'plain' })
  })

  it('keeps cause, AggregateError.errors and own properties with their types', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const withCause = await api.throwRich('cause').catch((e: unknown) => e as Error)
    expect(withCause.message).toBe('outer')
    expect(withCause.cause).toBeInstanceOf(TypeError)
    expect((withCause.cause as Error).message).toBe('inner')

    const agg = await api.throwRich('aggregate').catch((e: unknown) => e as AggregateError)
    expect(agg).toBeInstanceOf(AggregateError)
    expect(agg.errors.map((e: Error) => [e.constructor, e.message])).toEqual([
      [Error, 'a'],
      [RangeError, 'b'],
    ])

    const props = await api.throwRich('props').catch((e: unknown) => e as Error & { code: string; when: Date; data: Map<number, string> })
    expect(props.code).toBe('E_PROPS')
    expect(props.when).toEqual(new Date(0))
    expect(props.data).toEqual(new Map([[1, 'x']]))
  })

  it('rebuilds registered error classes as instances of their class', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const e = await api.throwRich('registered').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(QuotaError)
    expect(e).toMatchObject({ name: 'QuotaError', message: 'over quota', limit: 5 })
  })

  it('rethrows a thrown non-Error value as itself', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(api.throwRich('string')).rejects.toBe('a bare string')
  })

  it('keeps the host stack only in development mode', async () => {
    {
      await using pair = await factory.make()
      const e = await pair.connect().api.throwRich('plain').catch((x: unknown) => x as Error)
      expect(e.stack ?? '').not.toContain('throwRich')
    }
    {
      await using pair = await factory.make({ dev: true })
      const e = await pair.connect().api.throwRich('plain').catch((x: unknown) => x as Error)
      expect(e.stack).toContain('throwRich')
    }
  })

  it('turns throw Abort(value) into an AbortError carrying value, distinct from a bug', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.authorize('secret')).toBe('welcome')
    const e = (await api.authorize('guess').catch((x: unknown) => x)) as Error & { abortValue: unknown }
    expect(e.name).toBe('AbortError')
    expect(e.abortValue).toEqual({ reason: 'unauthorized', status: 401 })
  })

  it('runs onClose with a reason that tells a graceful end, an Abort, a disconnect and an error apart', async () => {
    await using pair = await factory.make()
    const a = pair.connect()
    const b = pair.connect()
    for await (const _ of a.api.withOnClose('return')) void _
    await a.api.withOnClose('throw').then(
      () => {},
      () => {},
    )
    await a.api.withOnClose('abort').then(
      () => {},
      () => {},
    )
    const it = b.api.withOnClose('wait')[Symbol.asyncIterator]()
    await it.next()
    // Handled from the start: the disconnect may reject it while closeFromHost() is still being awaited.
    const pending = it.next().then(
      () => 'resolved',
      (e: Error) => e.name,
    )
    await b.closeFromHost()
    expect(await pending).toBe('DisconnectedError')
    await pair.waitFor((s) => s.streams === 0)
    expect((await a.api.probe()).closes).toEqual(['graceful', 'Error', 'AbortError', 'DisconnectedError'])
  })
})
