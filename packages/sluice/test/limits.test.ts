import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../src/shared/index.js'
import { pairs } from './__shared__/pairs.js'

describe('DEFAULT_LIMITS', () => {
  it('matches the table in docs/limits.md', () => {
    const doc = readFileSync(new URL('../docs/limits.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `(\w+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])])
    expect(Object.fromEntries(rows)).toEqual({ ...DEFAULT_LIMITS })
  })

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true)
  })
})

describe.each(pairs)('limits over $name', (factory) => {
  it('allows streams up to maxStreams and refuses the next one', async () => {
    await using pair = await factory.make({ limits: { maxStreams: 2 } })
    const { api } = pair.connect()
    const a = api.infinite()
    const b = api.infinite()
    await pair.waitFor((s) => s.streams === 2)
    await expect(api.infinite()).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/too many open streams.*limit 2/) })
    await a.cancel()
    await pair.waitFor((s) => s.streams === 1)
    const c = api.count(3)
    expect(await c).toBe('counted 3')
    await b.cancel()
  })

  it('allows pending calls up to maxPendingCalls and refuses the next one', async () => {
    await using pair = await factory.make({ limits: { maxPendingCalls: 3 } })
    const { api } = pair.connect()
    const slow = [api.slowPlain(10_000), api.slowPlain(10_000), api.slowPlain(10_000)]
    await pair.waitFor((s) => s.calls === 3)
    await expect(api.add(1, 1)).rejects.toThrow(/too many pending calls.*limit 3/)
    for (const s of slow) await (s as unknown as { cancel(): Promise<void> }).cancel()
    await pair.waitFor((s) => s.calls === 0)
    expect(await api.add(1, 1)).toBe(2)
  })

  it('honours an overridden maxArgs, at and over the limit', async () => {
    await using pair = await factory.make({ limits: { maxArgs: 3 } })
    const { api } = pair.connect()
    expect(await api.variadic(1, 2, 3)).toBe(6)
    await expect(api.variadic(1, 2, 3, 4)).rejects.toThrow(/4 arguments exceed the limit of 3/)
  })

  it('refuses credit beyond maxCredit', async () => {
    await using pair = await factory.make({ limits: { maxCredit: 100 } })
    const warnings: string[] = []
    const { api, port } = pair.connect({ client: { onProtocolError: (m) => warnings.push(m) } })
    const it = api.infinite()[Symbol.asyncIterator]()
    await it.next()
    // The call's stream is the host's first ref on this connection: ref -1.
    port.postMessage([{ t: 'ref-pull', ref: -1, n: 150 }])
    await new Promise((r) => setTimeout(r, 50))
    expect(warnings.join()).toMatch(/ref-pull: more than 100 credits outstanding on ref -1/)
    await it.return!()
  })
})
