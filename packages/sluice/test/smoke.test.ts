import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('smoke over $name', (factory) => {
  it('adds and streams', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await api.add(1, 2)).toBe(3)
    const got: number[] = []
    const s = api.count(5)
    for await (const x of s) got.push(x)
    expect(got).toEqual([0, 1, 2, 3, 4])
    expect(await s).toBe('counted 5')
  })
})
