/**
 * Issue 7, "Chaos": 10k streams across several peers of one host, ended every way a page can end them
 * (read to the end, `break`, `cancel()`, an AbortSignal, awaited for the return value, a channel closed, and
 * the whole peer going away from either side). Afterwards every generator whose body began ran its `finally`
 * exactly once, every `onClose` hook ran exactly once, and the host's stats are back to zero. Unhandled
 * rejections on either side fail the test (see test/__shared__/fail-on-unhandled.ts).
 *
 * Host and clients share this thread so the counts are exact. The PRNG is seeded: CHAOS_SEED=<n> reproduces.
 */
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { createHost, type Connection } from '../../src/main/index.js'
import { close, createClient, type Client } from '../../src/renderer/index.js'
import { until } from '../__shared__/raw.js'
import * as hostileApi from '../fixtures/hostile-api.js'
import { hostile, resetHostile } from '../fixtures/hostile-state.js'

type Api = typeof hostileApi

const STREAMS = 10_000
const PEERS = 5
const PER_PEER_PER_WAVE = 40
const SEED = Number(process.env.CHAOS_SEED ?? 20_260_007)

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! }
}

const ENDINGS = ['complete', 'break', 'cancel', 'abort', 'await', 'channel'] as const
type Ending = (typeof ENDINGS)[number]

interface Peer {
  api: Client<Api>
  conn: Connection
  port: { close(): void }
  gone: boolean
}

/** Errors a stream may end with when its peer goes away or it is aborted; anything else is a failure. */
const expectedEnd = (e: unknown) => e instanceof Error && /^(AbortError|DisconnectedError)$/.test(e.name)

describe('chaos: 10k streams across several peers', () => {
  it('runs every finally and every onClose exactly once, and brings the host back to zero', { timeout: 120_000 }, async () => {
    resetHostile()
    const rand = prng(SEED)
    const host = createHost(hostileApi)
    const ports: { close(): void }[] = []
    using _teardown = {
      [Symbol.dispose]() {
        host.close()
        for (const p of ports) p.close()
      },
    }
    const connect = (): Peer => {
      const { port1, port2 } = new MessageChannel()
      ports.push(port1, port2)
      const conn = host.connect(port1)
      return { api: createClient<Api>(port2), conn, port: port2, gone: false }
    }
    const peers = Array.from({ length: PEERS }, connect)
    const endings = new Map<string, Ending>()
    /** Streams whose peer went away while they ran: they may have ended before their body began. */
    const interrupted = new Set<string>()
    const failures: string[] = []
    /** Channels a live peer left open: legitimately held by the host until closed. */
    const openChannels: { close(): void }[] = []
    const fail = (key: string, what: string) => void (failures.length < 20 && failures.push(`${key}: ${what}`))

    /** One stream, ended one way; checks what the client saw. */
    async function one(peer: Peer, key: string, ending: Ending): Promise<void> {
      endings.set(key, ending)
      // Every draw happens now, before the first await, so the same seed makes the same choices.
      const n = 1 + rand.int(40)
      const k = rand.int(n)
      const every = 1 + rand.int(8)
      const closeChannel = rand.next() < 0.5
      try {
        switch (ending) {
          case 'complete': {
            let i = 0
            for await (const x of peer.api.chaos(key, n, 1 + every)) if (x !== i++) fail(key, `item ${i - 1} was ${x}`)
            if (i !== n && !peer.gone) fail(key, `got ${i} of ${n} items`)
            return
          }
          case 'break': {
            let i = 0
            for await (const x of peer.api.chaos(key, 0, 1 + every)) {
              if (x !== i++) fail(key, `item ${i - 1} was ${x}`)
              if (i > k) break
            }
            return
          }
          case 'cancel': {
            const call = peer.api.chaos(key, 0, every)
            const it = call[Symbol.asyncIterator]()
            for (let i = 0; i < k; i++) await it.next()
            await call.cancel()
            return
          }
          case 'abort': {
            const controller = new AbortController()
            let i = 0
            try {
              for await (const x of peer.api.chaos(key, 0, 1 + every, controller.signal)) {
                if (x !== i++) fail(key, `item ${i - 1} was ${x}`)
                if (i > k) controller.abort()
              }
            } catch (e) {
              if (!expectedEnd(e)) throw e
            }
            return
          }
          case 'await': {
            const value = await peer.api.chaos(key, n, every)
            if (value !== key) fail(key, `returned ${String(value)}`)
            return
          }
          case 'channel': {
            const channel = await peer.api.openChannel(key)
            await channel.send(1)
            if (closeChannel) channel.close()
            // Otherwise it stays open until its peer goes away (which must close it on the host) or the end.
            else openChannels.push(channel)
            return
          }
        }
      } catch (e) {
        if (!(peer.gone && expectedEnd(e))) fail(key, `threw ${(e as Error)?.name}: ${(e as Error)?.message}`)
      } finally {
        if (peer.gone) interrupted.add(key)
      }
    }

    /** A client call that never settles is a failure of its own (the client must settle at once); report it and go on. */
    async function settles(peer: Peer, key: string, ending: Ending): Promise<void> {
      let timer: NodeJS.Timeout | undefined
      const hung = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          fail(key, `the client's ${ending} never settled (its peer ${peer.gone ? 'had gone away' : 'was connected'})`)
          resolve()
        }, 5000)
      })
      await Promise.race([one(peer, key, ending), hung])
      clearTimeout(timer)
    }

    let made = 0
    let peerEnds = 0
    for (let wave = 0; made < STREAMS; wave++) {
      const work: Promise<void>[] = []
      for (const [p, peer] of peers.entries()) {
        for (let j = 0; j < PER_PEER_PER_WAVE && made < STREAMS; j++, made++) work.push(settles(peer, `w${wave}p${p}s${j}`, rand.pick(ENDINGS)))
      }
      // Now and then a peer goes away mid-wave, in one of the three ways a window can.
      if (rand.next() < 0.3) {
        const victim = rand.pick(peers)
        const how = rand.pick(['client close', 'port close', 'host close'] as const)
        setTimeout(() => {
          victim.gone = true
          peerEnds++
          if (how === 'client close') close(victim.api)
          else if (how === 'port close') victim.port.close()
          else victim.conn.close('closed by the chaos test')
        }, rand.int(5))
      }
      await Promise.all(work)
      for (const [i, peer] of peers.entries()) if (peer.gone) peers[i] = connect()
    }
    expect(failures, `seed ${SEED}`).toEqual([])
    expect(endings.size).toBe(STREAMS)
    expect(peerEnds).toBeGreaterThan(0)

    // Idle peers stay connected: once their last channels close, the host must hold nothing for them.
    for (const channel of openChannels) channel.close()
    await until(() => {
      const s = host.stats()
      return s.calls === 0 && s.streams === 0 && s.refs === 0
    }, 'host stats back to zero', 5000).catch((e: Error) => {
      const { peers: _, ...totals } = host.stats()
      throw new Error(`${e.message}: ${JSON.stringify(totals)} (seed ${SEED})`)
    })

    const wrong: string[] = []
    for (const [key, ending] of endings) {
      const name = ending === 'channel' ? `channel:${key}` : key
      const started = hostile.started.get(name) ?? 0
      const finallies = ending === 'channel' ? started : (hostile.finallies.get(name) ?? 0)
      const closes = hostile.closes.get(name) ?? 0
      // A generator cancelled before its first next() never runs its body: then neither runs, and that is right.
      if (started > 1 || finallies !== started || closes !== started) wrong.push(`${key} (${ending}): started ${started}, finally ${finallies}, onClose ${closes}`)
      // These always reach the body, unless their peer went away first.
      if (started === 0 && !interrupted.has(key) && (ending === 'complete' || ending === 'await' || ending === 'channel')) wrong.push(`${key} (${ending}) never started`)
    }
    expect(wrong.slice(0, 10), `${wrong.length} streams did not end exactly once (seed ${SEED})`).toEqual([])
    expect(hostile.channelCloses).toBe(hostile.channelsMade)

    for (const peer of peers) close(peer.api)
    await until(() => host.stats().peers.length === 0, 'every closed connection to be retired', 5000)
    expect(host.stats()).toMatchObject({ connections: 0, calls: 0, streams: 0, refs: 0 })
  })
})
