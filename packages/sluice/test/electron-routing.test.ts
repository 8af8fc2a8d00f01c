/**
 * Page-side routing (issue 11): connect() in a page, the real preload, and serve(api, { hosts }) in main with a
 * namespace served by a utility process (the fake's utilityProcess.fork runs it on a real worker thread). The
 * page calls `api.files.*` like any other method; its calls go over a port of their own, to that process.
 */
import { threadId } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContext, type Host, serve, utilityHost } from '../src/main/index.js'
import { close, connect, DisconnectedError } from '../src/renderer/index.js'
import { type FakeDocument, FakeElectron, type FakeUtilityProcess } from './fakes/electron.js'
import type * as FilesApi from './fixtures/utility-api.js'
import { sleep, until } from './__shared__/wait.js'

const HOST_SCRIPT = new URL('./fixtures/utility-host.ts', import.meta.url).href

const mainApi = {
  async add(a: number, b: number) {
    return a + b
  },
  async whoami() {
    return { threadId, route: (getContext().peer as { route?: string }).route }
  },
}
/** The page's type: main's module and the routed one, merged in the types alone. */
type Api = typeof mainApi & { files: typeof FilesApi }

async function runPreload(doc: FakeDocument) {
  vi.resetModules()
  vi.doMock('electron', () => ({ ipcRenderer: doc.ipcRenderer, contextBridge: doc.contextBridge }))
  vi.stubGlobal('window', doc.window)
  return import('../src/preload/index.js')
}

let electron: FakeElectron
let host: Host<typeof mainApi> | undefined
const children: FakeUtilityProcess[] = []

function fork(): FakeUtilityProcess {
  const child = electron.utilityProcess.fork(HOST_SCRIPT)
  children.push(child)
  return child
}

beforeEach(() => {
  electron = new FakeElectron()
})

afterEach(async () => {
  host?.close()
  host = undefined
  for (const c of children.splice(0)) {
    const exited = new Promise((r) => c.once('exit', r))
    if (!c.kill()) c.crash()
    await Promise.race([exited, sleep(2000)])
  }
  vi.unstubAllGlobals()
  vi.doUnmock('electron')
})

async function page() {
  const doc = electron.createWindow('file:///app/index.html').mainFrame.document!
  const preload = await runPreload(doc)
  preload.exposeBridge()
  return connect<Api>({ window: doc.window })
}

describe('connect() with namespaces routed to a utility process', () => {
  it('routes api.files.* to the utility process and the rest to main, for calls made before any port came', async () => {
    const files = utilityHost<typeof FilesApi>(fork())
    host = serve(mainApi, { electron, hosts: { files }, allowOrigins: ['file://'] })
    const api = await page()
    // All made synchronously, before main's first reply says which namespaces are routed.
    const [sum, inMain, inFiles] = await Promise.all([api.add(2, 3), api.whoami(), api.files.whoami()])
    expect(sum).toBe(5)
    expect(inMain).toEqual({ threadId, route: undefined })
    expect(inFiles.route).toBe('files')
    expect(inFiles.threadId).not.toBe(threadId)
    // A stream from the utility process, with its return value.
    const got: { i: number; digest: number }[] = []
    const stream = api.files.hashChunks(3)
    for await (const chunk of stream) got.push(chunk)
    expect(got.map((c) => c.i)).toEqual([0, 1, 2])
    expect(await stream).toBe(got[2]!.digest)
    close(api)
  })

  it('a routed stream call made before any port came: awaited, it gets its return value; broken out of, its generator ends once, gets its return value, and one broken out of ends its generator once', async () => {
    const files = utilityHost<typeof FilesApi>(fork())
    host = serve(mainApi, { electron, hosts: { files }, allowOrigins: ['file://'] })
    const api = await page()
    // Both made synchronously, before main's first reply: they wait as DeferredLinks.
    const awaited = api.files.hashChunks(50)
    const iterated = api.files.hashChunks()
    const digest = await awaited
    expect(typeof digest).toBe('number')
    let n = 0
    for await (const _ of iterated) if (++n === 3) break
    const counts = await until(() => api.files.counts(), (c) => c.finallies >= 2)
    expect(counts.finallies).toBe(2)
    expect([...counts.closes].sort()).toEqual(['AbortError', 'done'])
    close(api)
  })

  it('fails live calls with a DisconnectedError when the process dies, and reconnects without a reload once it is restarted', async () => {
    const files = utilityHost<typeof FilesApi>(fork())
    host = serve(mainApi, { electron, hosts: { files }, allowOrigins: ['file://'] })
    const api = await page()
    expect((await api.files.whoami()).route).toBe('files')
    await expect(api.files.die(9)).rejects.toBeInstanceOf(DisconnectedError)
    // Main keeps serving its own namespace meanwhile.
    expect(await api.add(1, 1)).toBe(2)
    files.attach(fork())
    // The next call asks for a new port, to the new process: same page, no reload.
    const until = Date.now() + 3000
    for (;;) {
      try {
        expect((await api.files.whoami()).route).toBe('files')
        break
      } catch (e) {
        if (Date.now() > until) throw e
        await sleep(50)
      }
    }
    close(api)
  })

  it("a page whose main has no routed namespaces sends 'files.x' to main, which says there is no such method", async () => {
    host = serve(mainApi, { electron, allowOrigins: ['file://'] })
    const api = await page()
    await expect(api.files.whoami()).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/no method 'api\.files\.whoami'/) })
    expect(await api.add(1, 2)).toBe(3)
    close(api)
  })
})
