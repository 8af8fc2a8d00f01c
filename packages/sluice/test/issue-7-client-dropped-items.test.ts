/**
 * Issue 7, client side: stream items that carry live values and are never read (the call is awaited instead
 * of iterated, or the loop broke early) are disposed, not dropped: a rejected promise in one must not become
 * an unhandled rejection in the page, and a stream in one must be cancelled at its source.
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'

let cancelledSources = 0
const api = {
  async *rejecting(n: number) {
    for (let i = 0; i < n; i++) {
      const p = Promise.reject(new Error(`item ${i} failed`))
      p.catch(() => {}) // the host's own copy is handled; the question is the client's
      yield { i, p }
    }
    return n
  },
  async *withStreams(n: number) {
    for (let i = 0; i < n; i++) {
      yield {
        i,
        s: new ReadableStream<number>({
          pull: (c) => c.enqueue(i),
          cancel: () => void cancelledSources++,
        }),
      }
    }
  },
}

const channels: MessageChannel[] = []
afterEach(() => {
  for (const c of channels.splice(0)) c.port1.close()
  cancelledSources = 0
})

function connect() {
  const channel = new MessageChannel()
  channels.push(channel)
  const host = createHost(api)
  host.connect(channel.port1)
  return { host, api: createClient<typeof api>(channel.port2) }
}

async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = []
  const onUnhandled = (reason: unknown) => void seen.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    await fn()
    // Unhandled rejections are reported after the microtask queue drains, on a later turn.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10))
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
  return seen
}

describe('items the page never reads', () => {
  it('adds no unhandled rejection when a stream of rejected promises is awaited, not iterated', async () => {
    const { api: c } = connect()
    const seen = await unhandledDuring(async () => {
      expect(await c.rejecting(10)).toBe(10)
    })
    expect(seen).toEqual([])
  })

  it('adds no unhandled rejection for the items still queued after a break', async () => {
    const { api: c } = connect()
    const seen = await unhandledDuring(async () => {
      for await (const item of c.rejecting(50)) {
        await expect(item.p).rejects.toThrow('item 0 failed')
        break
      }
    })
    expect(seen).toEqual([])
  })

  it('cancels, at the host, the streams inside items dropped after a break', async () => {
    const { host, api: c } = connect()
    let kept: ReadableStream<number> | undefined
    for await (const item of c.withStreams(20)) {
      expect(item.i).toBe(0)
      kept = item.s
      break
    }
    // The 19 unread items' streams end at their source; the one the page kept stays open until it is cancelled.
    const until = Date.now() + 2000
    while (host.stats().refs > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(host.stats().refs).toBe(1)
    expect(cancelledSources).toBe(19)
    await kept!.cancel()
    while (host.stats().refs > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(host.stats().refs).toBe(0)
    expect(cancelledSources).toBe(20)
  })
})
