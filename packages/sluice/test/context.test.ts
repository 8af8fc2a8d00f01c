import { describe, expect, it } from 'vitest'
import { getContext } from '../src/main/index.js'
import { pairs, sameThread } from './__shared__/pairs.js'

describe('getContext()', () => {
  it('throws a clear error outside a handler', () => {
    expect(() => getContext()).toThrow(/getContext\(\) was called outside a handler/)
  })
})

describe.each(pairs)('context and Abort over $name', (factory) => {
  it('a stream that throws Abort before its first yield rejects the iterator with an AbortError carrying the value', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: string[] = []
    const e = await (async () => {
      for await (const x of api.guardedFeed('guess')) got.push(x)
    })().catch((x: unknown) => x as Error & { abortValue: unknown })
    expect(got).toEqual([])
    expect(e).toMatchObject({ name: 'AbortError', abortValue: { reason: 'unauthorized' } })
    const ok: string[] = []
    for await (const x of api.guardedFeed('secret')) ok.push(x)
    expect(ok).toEqual(['welcome'])
  })
})

// onError is a function, so it cannot be handed to the Worker's host: this one runs in one thread.
it('reports a thrown error to onError as a bug, and Abort not', async () => {
  const reported: string[] = []
  await using pair = await sameThread.make({ onError: (e, info) => void reported.push(`${info.kind} ${info.method}: ${(e as Error).message}`) })
  const { api } = pair.connect()
  await api.authorize('guess').catch(() => {})
  await api.throwRich('plain').catch(() => {})
  expect(reported).toEqual(['handler throwRich: plain'])
})
