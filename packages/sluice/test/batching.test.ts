import type { MessagePort } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'

/** Watches the client's real port: one record per postMessage that arrives, listing its frames. */
function watch(port: MessagePort) {
  const posts: { t: string; items?: number }[][] = []
  port.addEventListener('message', (e) => {
    const frames = (e as unknown as { data: { t: string; items?: unknown[] }[] }).data
    posts.push(frames.map((f) => ({ t: f.t, ...(f.items ? { items: f.items.length } : {}) })))
  })
  return posts
}
const itemsIn = (post: { t: string; items?: number }[]) => post.reduce((n, f) => n + (f.items ?? 0), 0)

describe.each(pairs)('batching over $name', (factory) => {
  it('sends a window of yields in two posts of half a window each', async () => {
    await using pair = await factory.make()
    const { api, port } = pair.connect()
    const posts = watch(port)
    const call = api.infinite()
    await new Promise((r) => setTimeout(r, 100))
    // The first post also carries the call's result: its stream, as a ref, whose items follow as `ref-push`.
    expect(posts).toEqual([[{ t: 'result' }, { t: 'ref-push', items: 32 }], [{ t: 'ref-push', items: 32 }]])
    await call.cancel()
  })

  it('posts as many items at once as the window allows, and puts the return after the last yield', async () => {
    await using pair = await factory.make({ limits: { maxCredit: 4096 } })
    const { api, port } = pair.connect({ client: { flow: { initialWindow: 1000 } } })
    const posts = watch(port)
    const call = api.count(200)
    const got: number[] = []
    for await (const x of call) got.push(x)
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i))
    // The generator ran in one task, so its 200 yields went out together (more than the old fixed 64).
    expect(posts.map(itemsIn)[0]).toBe(200)
    expect(posts.flat().at(-1)).toEqual({ t: 'ref-end' })
    expect(posts.flat().filter((f) => f.t === 'ref-push').reduce((n, f) => n + f.items!, 0)).toBe(200)
  })

  it('flushes an idle stream at once: each slow yield travels alone', async () => {
    await using pair = await factory.make()
    const { api, port } = pair.connect()
    const posts = watch(port)
    const arrivals: number[] = []
    const start = Date.now()
    for await (const _ of api.ticks(5, 30)) arrivals.push(Date.now() - start)
    expect(posts.filter((p) => p.some((f) => f.t === 'ref-push')).map(itemsIn)).toEqual([1, 1, 1, 1, 1])
    // Every yield arrives before the next one is produced: no batch waits for company.
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThan(15)
  })

  it('flushes after 10 ms of continuous production', async () => {
    await using pair = await factory.make()
    const { api, port } = pair.connect()
    const posts = watch(port)
    const got: number[] = []
    for await (const x of api.busy(12, 4)) got.push(x)
    expect(got).toHaveLength(12)
    const sizes = posts.map(itemsIn).filter((n) => n > 0)
    // 4 ms per item with no task boundary: a batch is flushed once its first item is 10 ms old.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4)
    expect(sizes.length).toBeGreaterThanOrEqual(3)
  })

  it('coalesces concurrent plain calls into posts of 16 answers', async () => {
    await using pair = await factory.make()
    const { api, port } = pair.connect()
    const posts = watch(port)
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => api.add(i, 1)))
    expect(results).toEqual(Array.from({ length: 64 }, (_, i) => i + 1))
    // 64 answers in 4 posts of 16: few enough posts, small enough that the client starts on the first
    // answers while the host is still producing the rest.
    expect(posts.map((p) => p.length)).toEqual([16, 16, 16, 16])
  })
})
