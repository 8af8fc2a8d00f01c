import { QueryClient, experimental_streamedQuery as streamedQuery } from '@tanstack/query-core'
import { from, lastValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

describe.each(pairs)('interop over $name', (factory) => {
  it('RxJS from() streams the yields of a StreamCall', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await lastValueFrom(from(api.count(5)).pipe(toArray()))).toEqual([0, 1, 2, 3, 4])
  })

  it('unsubscribing in RxJS cancels the generator on the host', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    expect(await lastValueFrom(from(api.infinite()).pipe(take(3), toArray()))).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }])
    await pair.waitFor((s) => s.streams === 0)
    expect((await api.probe()).finallies.infinite).toBe(1)
  })

  it('RxJS from() reports a host error as an Observable error', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await expect(lastValueFrom(from(api.failAfterTwo()).pipe(toArray()))).rejects.toMatchObject({ name: 'QuotaError' })
  })

  it("TanStack Query's streamedQuery accumulates the chunks (through .values())", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const client = new QueryClient()
    const data = await client.fetchQuery({
      queryKey: ['tokens'],
      queryFn: streamedQuery({ streamFn: () => api.tokens(12).values() }),
    })
    expect((data as string[]).join('')).toBe('the quick brown fox jumps over a lazy dog.the quick')
    client.clear()
  })
})
