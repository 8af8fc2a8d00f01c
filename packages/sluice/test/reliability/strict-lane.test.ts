/**
 * Issue 7, crashes 1, 2 and 4, in the strict lane: the host runs in a Worker that dies on an unhandled
 * rejection (Node's default), the way the web-mode server and a worker host do. Each test sends the frames a
 * hostile page would, then asserts that the host is still alive and still answers a well-behaved peer.
 */
import { describe, expect, it } from 'vitest'
import { dag, dagWireError, rawPeer, until } from '../__shared__/raw.js'
import { strictLane, type StrictLane } from '../__shared__/strict-lane.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The host is alive, and a real client on a fresh connection still gets right answers. */
async function stillServes(lane: StrictLane): Promise<void> {
  // Long enough for a rejection left unhandled by the last frame to be reported and end the thread.
  await sleep(50)
  await lane.alive()
  const client = lane.client()
  expect(await client.add(2, 3)).toBe(5)
  expect(await client.ns.inner.ping()).toBe('pong')
  expect(lane.death).toBeUndefined()
}

describe('the strict lane', () => {
  it('is strict: an unhandled rejection in the host Worker kills it', async () => {
    await using lane = await strictLane()
    await lane.alive()
    lane.canary()
    await until(() => lane.death !== undefined, 'the Worker to die of its canary rejection')
    expect(String((lane.death!.error as Error)?.message)).toMatch(/canary/)
  })
})

describe('crash 1: a promise the page passed in, then rejected', () => {
  const promiseArg = (ref: number, before: unknown[] = []) => ({ v: [...before, null], r: [[[before.length], 'promise', ref]] })
  const cases: { name: string; call: object; answer: RegExp }[] = [
    {
      name: 'a call refused for its arity',
      call: { t: 'call', id: 1, path: ['add'], args: promiseArg(1, [1, 2]) },
      answer: /at most 2 arguments/,
    },
    {
      name: 'a call to a method that does not exist',
      call: { t: 'call', id: 1, path: ['nope'], args: promiseArg(1) },
      answer: /no method 'api\.nope'/,
    },
    {
      name: 'a call to a tripwire member',
      call: { t: 'call', id: 1, path: ['instance', 'fire'], args: promiseArg(1) },
      answer: /.+/,
    },
    {
      name: 'an accepted call whose handler never looks at the promise',
      call: { t: 'call', id: 1, path: ['ignore'], args: promiseArg(1) },
      answer: /.*/,
    },
  ]

  it.each(cases)('survives $name whose promise ref is then settled with an error', async ({ call, answer }) => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([call])
    const first = await page.next((f) => f.id === 1)
    if (first.t === 'error') expect(first.error!.message).toMatch(answer)
    page.send([{ t: 'ref-settle', ref: 1, error: { name: 'Error', message: 'rejected by the page' } }])
    await stillServes(lane)
    expect((await lane.probe()).tripped).toEqual([])
  })

  it('survives a ref-settle whose value fails to decode', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([{ t: 'call', id: 1, path: ['ignore'], args: promiseArg(1) }])
    expect(await page.next((f) => f.id === 1)).toMatchObject({ t: 'result' })
    // The ref path leads nowhere, so decoding the settled value throws.
    page.send([{ t: 'ref-settle', ref: 1, value: { v: [1], r: [[[7, 'x'], 'function', 9]] } }])
    await stillServes(lane)
  })

  it('survives a page that goes away while a promise ref it passed is still pending', async () => {
    await using lane = await strictLane()
    const port = lane.port()
    const page = rawPeer(port)
    page.send([{ t: 'call', id: 1, path: ['ignore'], args: promiseArg(1) }])
    await page.next((f) => f.id === 1)
    // The host rejects its copy with a DisconnectedError: nobody awaits it, and that must not kill the host.
    port.close()
    await stillServes(lane)
  })
})

describe('crash 2: a disconnect or cancel while a handler is still running', () => {
  for (const how of ['cancel', 'disconnect'] as const) {
    it(`disposes what the handler returns after a ${how}: its promise is handled, its stream cancelled, its channel closed`, async () => {
      await using lane = await strictLane()
      const port = lane.port()
      const page = rawPeer(port)
      page.send([{ t: 'call', id: 1, path: ['lingering'], args: { v: [] } }])
      // Let the handler start and park on its signal.
      await lane.alive()
      await sleep(20)
      if (how === 'cancel') page.send([{ t: 'cancel', id: 1 }])
      else port.close()
      await until(async () => (await lane.probe()).streamsMade === 1, 'the handler to return after the abort')
      await stillServes(lane)
      await until(async () => {
        const p = await lane.probe()
        return p.streamCancels === 1 && p.channelCloses === 1
      }, 'the undeliverable ReadableStream to be cancelled and the Channel to be closed', 2000).catch(async (e: Error) => {
        throw new Error(`${e.message}; probe: ${JSON.stringify(await lane.probe())}`)
      })
      if (how === 'cancel') {
        await sleep(20)
        // Nothing more is sent for a cancelled call.
        expect(page.frames.filter((f) => f.id === 1)).toEqual([])
      }
    })
  }
})

describe('crash 2, stream form: a yield that can no longer be delivered', () => {
  for (const how of ['cancel', 'disconnect'] as const) {
    it(`disposes what a generator yields after a ${how}: its promise is handled, its stream cancelled, its channel closed`, async () => {
      await using lane = await strictLane()
      const port = lane.port()
      const page = rawPeer(port)
      page.send([{ t: 'call', id: 1, path: ['lingeringStream'], args: { v: [] } }])
      await page.next((f) => f.t === 'ref-push')
      if (how === 'cancel') page.send([{ t: 'cancel', id: 1 }])
      else port.close()
      await until(async () => (await lane.probe()).streamsMade === 1, 'the generator to yield after the abort')
      await stillServes(lane)
      await until(async () => {
        const p = await lane.probe()
        return p.streamCancels === 1 && p.channelCloses === 1
      }, 'the undeliverable ReadableStream to be cancelled and the Channel to be closed', 2000).catch(async (e: Error) => {
        throw new Error(`${e.message}; probe: ${JSON.stringify(await lane.probe())}`)
      })
    })
  }
})

describe('crash 4: a few bytes that describe shared sub-objects', () => {
  const ANSWER_MS = 5000

  it('answers an echo of a 30-level DAG within seconds, and stays up', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([{ t: 'call', id: 1, path: ['echo'], args: { v: [dag(30)] } }])
    const answer = await page.next((f) => f.id === 1, ANSWER_MS)
    expect(['result', 'error']).toContain(answer.t)
    await stillServes(lane)
  })

  it('answers a promise that settles to a 30-level DAG within seconds, and stays up', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([
      { t: 'call', id: 1, path: ['awaitIt'], args: { v: [null], r: [[[0], 'promise', 1]] } },
      { t: 'ref-settle', ref: 1, value: { v: dag(30) } },
    ])
    const answer = await page.next((f) => f.id === 1, ANSWER_MS)
    expect(['result', 'error']).toContain(answer.t)
    await stillServes(lane)
  })

  it('answers within seconds when a promise ref is rejected with a 30-level DAG-shaped error, and stays up', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([
      { t: 'call', id: 1, path: ['awaitIt'], args: { v: [null], r: [[[0], 'promise', 1]] } },
      { t: 'ref-settle', ref: 1, error: dagWireError(30) },
    ])
    expect(await page.next((f) => f.id === 1, ANSWER_MS)).toMatchObject({ t: 'error' })
    await stillServes(lane)
  })

  it('answers within seconds when a callback answers with a 30-level DAG-shaped error, and stays up', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([{ t: 'call', id: 1, path: ['callOnce'], args: { v: [null], r: [[[0], 'function', 7]] } }])
    const refCall = await page.next((f) => f.t === 'ref-call' && f.ref === 7)
    page.send([{ t: 'ref-result', call: refCall.call, error: dagWireError(30) }])
    expect(await page.next((f) => f.id === 1, ANSWER_MS)).toMatchObject({ t: 'error' })
    await stillServes(lane)
  })

  it('answers within seconds when a callback answers with a 30-level DAG value, and stays up', async () => {
    await using lane = await strictLane()
    const page = rawPeer(lane.port())
    page.send([{ t: 'call', id: 1, path: ['callOnce'], args: { v: [null], r: [[[0], 'function', 7]] } }])
    const refCall = await page.next((f) => f.t === 'ref-call' && f.ref === 7)
    page.send([{ t: 'ref-result', call: refCall.call, value: { v: dag(30) } }])
    const answer = await page.next((f) => f.id === 1, ANSWER_MS)
    expect(['result', 'error']).toContain(answer.t)
    await stillServes(lane)
  })
})
