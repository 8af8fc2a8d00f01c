/**
 * contextBridge as Electron's source has it (defect 5 of issue 9), and what exposeApi() builds on it. First the
 * fake is held to the behaviours of spec/api-context-bridge-spec.ts that exposeApi() relies on; then
 * exposeApi() runs on an Electron without `executeInMainWorld` (before 35), where the handles are made in the
 * preload and cross as plain objects of functions and symbol keys.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContext, type Host, serve } from '../src/main/index.js'
import type { Client } from '../src/renderer/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { crossWorlds, type FakeDocument, FakeElectron, proxies } from './fakes/electron.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const counters = { finallies: 0 }

const api = {
  async add(a: number, b: number) {
    return a + b
  },
  async when() {
    return new Date(Date.UTC(2030, 0, 2))
  },
  files: {
    async *count(n: number) {
      for (let i = 0; i < n; i++) yield i
      return `counted ${n}`
    },
  },
  async *ticks() {
    try {
      for (let i = 0; ; i++) {
        yield i
        await sleep(2)
      }
    } finally {
      counters.finallies++
    }
  },
  async fail() {
    throw new RangeError('out of range')
  },
  async whereAmI() {
    return (getContext().peer as { url?: string }).url
  },
}
type Api = typeof api

async function waitFor(predicate: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

describe('the fake contextBridge holds to Electron (electron_api_context_bridge.cc, spec/api-context-bridge-spec.ts)', () => {
  it('passes symbols through, and copies symbol keys, so symbol key lookup works', () => {
    const key = Symbol('k')
    const copy = crossWorlds({ [key]: 1, [Symbol.asyncIterator]: () => 2, s: key }, 'isolated', 'main') as Record<symbol | string, unknown>
    expect(copy.s).toBe(key)
    expect(copy[key]).toBe(1)
    expect((copy[Symbol.asyncIterator] as () => number)()).toBe(2)
  })

  it('proxies one function once per crossing, and unwraps a proxy sent back to its own world', () => {
    const fn = () => 1
    const copy = crossWorlds({ a: fn, b: fn }, 'isolated', 'main') as { a: unknown; b: unknown }
    expect(copy.a).toBe(copy.b)
    expect(copy.a).not.toBe(fn)
    expect(crossWorlds(copy.a, 'main', 'isolated')).toBe(fn)
  })

  it('keeps only the message of an Error, drops prototypes, copies Dates, and refuses a Proxy and an async generator', async () => {
    const e = crossWorlds(new RangeError('r'), 'isolated', 'main') as Error
    expect([e.constructor, e.name, e.message]).toEqual([Error, 'Error', 'r'])
    class P {
      x = 1
      m() {}
    }
    expect(Object.getPrototypeOf(crossWorlds(new P(), 'isolated', 'main'))).toBe(Object.prototype)
    expect(crossWorlds(new Date(5), 'isolated', 'main')).toEqual(new Date(5))
    const proxy = new Proxy({}, {})
    proxies.add(proxy)
    expect(() => crossWorlds(proxy, 'isolated', 'main')).toThrow('An object could not be cloned.')
    const gen = (async function* () {})()
    expect(() => crossWorlds(gen, 'isolated', 'main')).toThrow('An object could not be cloned.')
  })

  it('deep-freezes what exposeInMainWorld defines, and refuses an existing key', () => {
    const electron = new FakeElectron()
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    doc.contextBridge.exposeInMainWorld('thing', { nested: { list: [1] } })
    const thing = doc.window.thing as { nested: { list: number[] } }
    expect(Object.isFrozen(thing) && Object.isFrozen(thing.nested) && Object.isFrozen(thing.nested.list)).toBe(true)
    expect(() => doc.contextBridge.exposeInMainWorld('thing', {})).toThrow(/Cannot bind an API on top of an existing property/)
  })
})

describe('exposeApi() before Electron 35 (no executeInMainWorld)', () => {
  let electron: FakeElectron
  let host: Host<Api> | undefined

  beforeEach(() => {
    electron = new FakeElectron()
    counters.finallies = 0
    host = serve(api, { electron, log: () => {}, allowOrigins: ['file://'] })
  })

  afterEach(async () => {
    host?.close()
    if (host) await waitFor(() => host!.stats().peers.length === 0, 'the host to drain')
    vi.unstubAllGlobals()
    vi.doUnmock('electron')
  })

  /** The preload, with an Electron 30–34 contextBridge: exposeInMainWorld only. */
  async function runPreload(doc: FakeDocument) {
    vi.resetModules()
    const contextBridge = { exposeInMainWorld: doc.contextBridge.exposeInMainWorld.bind(doc.contextBridge) }
    vi.doMock('electron', () => ({ ipcRenderer: doc.ipcRenderer, contextBridge }))
    vi.stubGlobal('window', doc.window)
    return import('../src/preload/index.js')
  }

  async function page(methods: string[]) {
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    ;(await runPreload(doc)).exposeApi('api', { methods })
    return { doc, api: doc.window.api as Client<Api> }
  }

  it('with options.methods, the listed methods are awaitable, async-iterable and cancellable in the page', async () => {
    const { api: p } = await page(['add', 'when', 'files.count', 'ticks', 'fail'])
    expect(Object.isFrozen(p)).toBe(true)
    expect(await p.add(2, 3)).toBe(5)
    expect(await p.when()).toEqual(new Date(Date.UTC(2030, 0, 2)))
    const got: number[] = []
    const s = p.files.count(100)
    for await (const x of s) got.push(x)
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(await s).toBe('counted 100')
    for await (const x of p.ticks()) if (x === 2) break
    await waitFor(() => counters.finallies === 1, "the generator's finally after break")
    const t = p.ticks()
    await t[Symbol.asyncIterator]().next()
    await t.cancel()
    await waitFor(() => counters.finallies === 2, "the generator's finally after cancel()")
  })

  it('rejects with the error message (the bridge keeps nothing else of an Error)', async () => {
    const { api: p } = await page(['fail'])
    await expect(p.fail()).rejects.toMatchObject({ message: 'out of range' })
  })

  it('without options.methods, throws a clear error before any hello', async () => {
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    const preload = await runPreload(doc)
    expect(() => preload.exposeApi('api')).toThrow(/no contextBridge\.executeInMainWorld \(it came in Electron 35\).*methods/)
    await sleep(20)
    expect(doc.ipcRenderer.sent.filter((m) => m.channel === SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN)).toHaveLength(0)
    expect(host!.stats().connections).toBe(0)
  })

  it('refuses method names that would reach the prototype, or clash', async () => {
    const doc = electron.createWindow('file:///a.html').mainFrame.document!
    const preload = await runPreload(doc)
    expect(() => preload.exposeApi('api', { methods: ['__proto__.x'] })).toThrow(/bad method name/)
    expect(() => preload.exposeApi('api', { methods: ['files', 'files.count'] })).toThrow(/both a method and a namespace/)
  })
})
