import { describe, expect, expectTypeOf, it } from 'vitest'
import { events } from '../src/renderer/index.js'
import { ValidationError } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'

type AppEvents = {
  tick: (n: number, at: Date) => void
  status: (s: { ok: boolean }) => void
}

describe.each(pairs)('validation over $name', (factory) => {
  it('passes valid input, with the schema output (defaults applied)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const user = await api.createUser({ name: 'Ada' })
    expect(user).toMatchObject({ name: 'Ada', age: 0 })
    expectTypeOf(api.createUser).parameter(0).toEqualTypeOf<{ name: string; age?: number | undefined }>()
  })

  it('rejects invalid input with a ValidationError listing the issues, before the handler runs', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const e = (await api.createUser({ name: '', age: -1.5 }).catch((x: unknown) => x)) as ValidationError
    expect(e).toBeInstanceOf(ValidationError)
    expect(e.issues.map((i) => i.path)).toEqual([['name'], ['age']])
    expect(e.message).toMatch(/invalid arguments: name: .*; age: /)
    expect((await api.primitivesProbe()).validatedRuns).toBe(0)
  })

  it('validates positional arguments with a tuple of schemas (valibot)', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.move(1, 2)).toBe(3)
    const e = (await api.move(1, -2).catch((x: unknown) => x)) as ValidationError
    expect(e.name).toBe('ValidationError')
    expect(e.issues[0]!.path).toEqual([1])
  })

  it('validates the input of a generator', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: number[] = []
    for await (const n of api.validatedStream(3)) got.push(n)
    expect(got).toEqual([0, 1, 2])
    await expect(api.validatedStream(1000)).rejects.toMatchObject({ name: 'ValidationError' })
  })
})

describe.each(pairs)('typed events over $name', (factory) => {
  it('on() receives every emitted event with its arguments; its return value unsubscribes', async () => {
    await using pair = await factory.make()
    const a = pair.connect()
    const b = pair.connect()
    const ticksA: [number, Date][] = []
    const ticksB: number[] = []
    const offA = events<AppEvents>(a.api).on('tick', (n, at) => void ticksA.push([n, at]))
    events<AppEvents>(b.api).on('tick', (n) => void ticksB.push(n))
    await pair.emit('tick', 1, new Date(1))
    await expect.poll(() => [ticksA.length, ticksB.length]).toEqual([1, 1])
    expect(ticksA[0]).toEqual([1, new Date(1)])
    offA()
    await pair.emit('tick', 2, new Date(2))
    await expect.poll(() => ticksB).toEqual([1, 2])
    expect(ticksA).toHaveLength(1)
  })

  it('once() fires a single time', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const seen: boolean[] = []
    events<AppEvents>(api).once('status', (s) => void seen.push(s.ok))
    await pair.emit('status', { ok: true })
    await pair.emit('status', { ok: false })
    await expect.poll(() => seen).toEqual([true])
    await new Promise((r) => setTimeout(r, 20))
    expect(seen).toEqual([true])
  })

  it('types listeners from the event map', () => {
    const fake = {} as unknown
    type E = ReturnType<typeof events<AppEvents>>
    expectTypeOf<E['on']>().parameter(0).toEqualTypeOf<'tick' | 'status'>()
    void fake
  })
})
