/**
 * serve(api, { hosts: { files: utilityHost(child) } }): namespaces routed to a utility process, against the
 * fake Electron (test/fakes/electron.ts), whose `utilityProcess.fork()` runs the child on a real worker thread
 * with a faithful `process.parentPort`. The page side is bare, as in electron-serve.test.ts: it says hello
 * (naming a namespace or not) and builds a client on the port it gets.
 */
import { type MessagePort, threadId } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { getContext, type RemoteHost, serve, type RoutedPortReply, type ServeOptions, utilityHost, type UtilityProcessLike } from '../src/main/index.js'
import { createClient, DisconnectedError } from '../src/renderer/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { type FakeDocument, FakeElectron, type FakeUtilityProcess } from './fakes/electron.js'
import type * as FilesApi from './fixtures/utility-api.js'
import { readUntilFailure } from './__shared__/iterate.js'

const HOST_SCRIPT = new URL('./fixtures/utility-host.ts', import.meta.url).href
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const mainApi = {
  async add(a: number, b: number) {
    return a + b
  },
  async whoami() {
    return { ...getContext().peer, threadId }
  },
}

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

let requests = 1
/** The page's half, bare: a hello (for `route`, or for main's port), and what main answers to that request. */
function hello(doc: FakeDocument, route?: string): Promise<{ port: MessagePort | undefined; reply: RoutedPortReply }> {
  const request = requests++
  return new Promise((resolve) => {
    const listener = (event: { ports: MessagePort[] }, reply: unknown) => {
      if ((reply as RoutedPortReply).request !== request) return
      doc.ipcRenderer.removeListener(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, listener)
      resolve({ port: event.ports[0], reply: reply as RoutedPortReply })
    }
    doc.ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, listener)
    const args: unknown[] = route === undefined ? [request, 'token'] : [request, 'token', route]
    doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, ...args)
  })
}

async function filesClient(doc: FakeDocument) {
  const { port, reply } = await hello(doc, 'files')
  if (port === undefined) throw new Error(`no files port: ${reply.refused}`)
  return createClient<typeof FilesApi>(port)
}

async function mainClient(doc: FakeDocument) {
  const { port } = await hello(doc)
  return createClient<typeof mainApi>(port!)
}

const children: FakeUtilityProcess[] = []
afterEach(async () => {
  for (const c of children.splice(0)) {
    const exited = new Promise((r) => (c.pid === undefined && c.listenerCount('spawn') === 0 ? r(undefined) : c.once('exit', r)))
    if (!c.kill()) c.crash()
    await Promise.race([exited, sleep(2000)])
  }
})

function fork(electron: FakeElectron): FakeUtilityProcess {
  const child = electron.utilityProcess.fork(HOST_SCRIPT)
  children.push(child)
  return child
}

function world(options: Omit<ServeOptions, 'electron' | 'hosts'> = {}) {
  const electron = new FakeElectron()
  const logs: string[] = []
  const files = utilityHost<typeof FilesApi>(fork(electron))
  const host = serve(mainApi, { log: (m) => logs.push(m), ...options, electron, hosts: { files } })
  return {
    electron,
    host,
    files,
    logs,
    [Symbol.dispose]() {
      host.close()
      files.close()
    },
  }
}

/** Counters kept in the host process, read over a connection of a window made for the purpose. */
async function hostCounts(electron: FakeElectron) {
  const probe = electron.createWindow('file:///probe.html')
  const client = await filesClient(probe.mainFrame.document!)
  const counts = await client.counts()
  probe.destroy()
  return counts
}

/** Starts `hashChunks` paced at `every` ms and waits for its first item: the host process holds a live generator. */
async function liveStream(client: Awaited<ReturnType<typeof filesClient>>, every = 5) {
  const stream = client.hashChunks(Infinity, every)
  const it = stream[Symbol.asyncIterator]()
  await it.next()
  return { stream, it }
}

describe('serve() with a utility host: routing', () => {
  it("lists the routed namespaces in the reply to a page's first hello, and serves main's api on main's port", async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const { port, reply } = await hello(doc)
    expect(reply).toMatchObject({ request: expect.any(Number), token: 'token', routes: ['files'] })
    const api = createClient<typeof mainApi>(port!)
    expect(await api.add(2, 3)).toBe(5)
    expect((await api.whoami()).threadId).toBe(threadId)
  })

  it("gives a hello that names 'files' a port whose calls run in the utility process, not in main", async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const { port, reply } = await hello(doc, 'files')
    expect(reply.route).toBe('files')
    const files = createClient<typeof FilesApi>(port!)
    const got: number[] = []
    const stream = files.hashChunks(100)
    for await (const { i } of stream) got.push(i)
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(typeof (await stream)).toBe('number')
    const where = await files.whoami()
    expect(where.threadId).not.toBe(threadId)
    // Main's own host never saw a call: the items went page <-> utility process.
    expect(w.host.stats().peers.every((p) => p.calls === 0 && p.streams === 0)).toBe(true)
  })

  it("keeps the namespaces apart: main's port has no 'hashChunks', and a namespace nobody serves is refused with the names that exist", async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const api = await mainClient(doc)
    await expect((api as unknown as { hashChunks(): Promise<unknown> }).hashChunks()).rejects.toThrow(/no method 'api.hashChunks'/)
    const { port, reply } = await hello(doc, 'nope')
    expect(port).toBeUndefined()
    expect(reply.refused).toMatch(/no host serves the namespace 'nope' .*names: files/)
    expect(w.logs.some((l) => /refused a port for 'nope'/.test(l))).toBe(true)
  })

  it('refuses at serve() a routed name that the main api also has, or one that is not a name', () => {
    const electron = new FakeElectron()
    const files = utilityHost(fork(electron))
    expect(() => serve({ files: async () => 1 }, { electron, hosts: { files } })).toThrow(/options\.hosts\.files routes 'api\.files' elsewhere, but the api served in main also has 'files'/)
    expect(() => serve(mainApi, { electron, hosts: { __proto__x: files, 'a.b': files } as Record<string, RemoteHost> })).toThrow(/'a\.b' cannot name a namespace/)
    expect(() => serve(mainApi, { electron, hosts: { files: {} as RemoteHost } })).toThrow(/options\.hosts\.files must be a utilityHost\(\) or workerHost\(\) handle/)
    files.close()
  })

  it("leaves the app's own messages on process.parentPort alone, both ways", async () => {
    using w = world()
    const child = w.files.process as FakeUtilityProcess
    const pong = new Promise((r) => child.on('message', (m: unknown) => m === 'pong' && r(m)))
    child.postMessage('ping')
    expect(await pong).toBe('pong')
  })
})

describe('serve() with a utility host: who is calling', () => {
  it('tells the handler in the utility process which window and frame is calling, and through which route', async () => {
    using w = world({ allowOrigins: ['file://', 'https://widgets.example'] })
    const wc = w.electron.createWindow('file:///app/index.html')
    const top = await filesClient(wc.mainFrame.document!)
    expect(await top.whoami()).toMatchObject({
      webContentsId: wc.id,
      processId: wc.mainFrame.processId,
      frameId: wc.mainFrame.routingId,
      frameTreeNodeId: wc.mainFrame.frameTreeNodeId,
      mainFrame: true,
      url: 'file:///app/index.html',
      origin: 'file://',
      route: 'files',
    })
    const frame = wc.addFrame('https://widgets.example/embed')
    const sub = await filesClient(frame.document!)
    expect(await sub.whoami()).toMatchObject({ webContentsId: wc.id, mainFrame: false, origin: 'https://widgets.example', frameTreeNodeId: frame.frameTreeNodeId })
  })

  it("refuses a files port to a frame whose origin is not allowed, as it refuses main's", async () => {
    using w = world()
    const doc = w.electron.createWindow('https://evil.example/').mainFrame.document!
    const { port, reply } = await hello(doc, 'files')
    expect(port).toBeUndefined()
    expect(reply.refused).toMatch(/does not serve this origin/)
    expect((await w.files.stats()).connections).toBe(0)
  })
})

describe('serve() with a utility host: a window going away ends its streams in the utility process', () => {
  // The renderer-side ports are left open (closePorts: false), so only main's explicit disconnect can end them.
  const endings: [string, (wc: ReturnType<FakeElectron['createWindow']>) => unknown][] = [
    ['closes', (wc) => wc.destroy({ closePorts: false })],
    ['reloads', (wc) => wc.navigate(wc.mainFrame.url, { closeOldPorts: false })],
    ['navigates to a new document', (wc) => wc.navigate('file:///app/other.html', { closeOldPorts: false })],
    ['crashes', (wc) => wc.crash({ closePorts: false })],
  ]
  it.each(endings)('when the window %s: the generator finally and onClose run there, and stats() return to zero', async (_what, end) => {
    using w = world()
    const wc = w.electron.createWindow('file:///app/index.html')
    const files = await filesClient(wc.mainFrame.document!)
    const { stream } = await liveStream(files)
    const settled = Promise.allSettled([stream])
    const before = await w.files.stats()
    expect(before).toMatchObject({ connections: 1, streams: 1 })
    await end(wc)
    await waitFor(async () => (await w.files.stats()).streams === 0, 'the host process to end the stream')
    const after = await w.files.stats()
    expect(after).toMatchObject({ connections: 0, calls: 0, streams: 0, refs: 0 })
    const counts = await hostCounts(w.electron)
    expect(counts.finallies).toBe(1)
    expect(counts.closes).toEqual(['DisconnectedError'])
    // The page's port was closed by the host, so the client (had its document lived) would know.
    expect((await settled)[0]!.status).toBe('rejected')
  })

  it("ends only that window's streams: another window's stream keeps flowing", async () => {
    using w = world()
    const a = w.electron.createWindow('file:///a.html')
    const b = w.electron.createWindow('file:///b.html')
    const fa = await filesClient(a.mainFrame.document!)
    const fb = await filesClient(b.mainFrame.document!)
    await liveStream(fa)
    const { it: itB } = await liveStream(fb)
    a.destroy({ closePorts: false })
    await waitFor(async () => (await w.files.stats()).streams === 1, "a's stream to end")
    expect((await itB.next()).done).toBe(false)
    expect((await w.files.stats()).connections).toBe(1)
  })

  it("ends a sub-frame's streams when only the sub-frame navigates, and leaves the main frame's running", async () => {
    using w = world()
    const wc = w.electron.createWindow('file:///app/index.html')
    const frame = wc.addFrame('file:///app/embed.html')
    const top = await filesClient(wc.mainFrame.document!)
    const sub = await filesClient(frame.document!)
    await liveStream(top)
    await liveStream(sub)
    expect((await w.files.stats()).streams).toBe(2)
    await frame.navigate('file:///app/elsewhere.html')
    await waitFor(async () => (await w.files.stats()).streams === 1, "the sub-frame's stream to end")
  })

  it('holds each namespace to maxConnectionsPerFrame on its own: a hello loop for files never pushes out the main port', async () => {
    using w = world({ maxConnectionsPerFrame: 2 })
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const api = await mainClient(doc)
    for (let i = 0; i < 5; i++) await hello(doc, 'files')
    await waitFor(async () => (await w.files.stats()).connections === 2, 'the files connections to be capped at 2')
    expect(await api.add(1, 1)).toBe(2)
  })

  it("serve().close() ends every routed connection in the utility process too", async () => {
    const w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const files = await filesClient(doc)
    await liveStream(files)
    w.host.close()
    await waitFor(async () => (await w.files.stats()).connections === 0, 'the routed connection to end')
    w.files.close()
  })
})

describe('serve() with a utility host: the host process dies, and comes back', () => {
  it("fails the page's live calls with a DisconnectedError, refuses files ports while down, keeps main's api working, and serves again after attach()", async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const api = await mainClient(doc)
    const files = await filesClient(doc)
    const { it: live } = await liveStream(files)
    const pending = files.hashChunks(Infinity, 5) // a second live call, not yet read
    const child = w.files.process as FakeUtilityProcess
    const exited = new Promise<number>((r) => child.once('exit', r))
    child.crash(139)
    expect(await exited).toBe(139)

    await expect(readUntilFailure(live)).rejects.toBeInstanceOf(DisconnectedError)
    await expect(pending).rejects.toBeInstanceOf(DisconnectedError)
    expect(w.files.running).toBe(false)
    await expect(w.files.stats()).rejects.toThrow(/exited \(code 139\)/)

    const down = await hello(doc, 'files')
    expect(down.port).toBeUndefined()
    expect(down.reply.refused).toMatch(/the host of 'files' is not running/)
    expect(await api.add(20, 22)).toBe(42)

    // The app restarts it; the page asks for a files port again, without reloading.
    w.files.attach(fork(w.electron))
    const again = await filesClient(doc)
    const got: number[] = []
    for await (const { i } of again.hashChunks(3)) got.push(i)
    expect(got).toEqual([0, 1, 2])
    expect(await w.files.stats()).toMatchObject({ connections: 1, streams: 0 })
  })

  it('a handler that ends its own process shows up the same way: its caller gets a DisconnectedError', async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const files = await filesClient(doc)
    const exited = new Promise<number>((r) => (w.files.process as FakeUtilityProcess).once('exit', r))
    await expect(files.die(9)).rejects.toBeInstanceOf(DisconnectedError)
    expect(await exited).toBe(9)
  })

  it("attach() while the old process still runs ends the old one's connections there, then serves from the new one", async () => {
    using w = world()
    const doc = w.electron.createWindow('file:///app/index.html').mainFrame.document!
    const files = await filesClient(doc)
    const { it: live } = await liveStream(files)
    const old = w.files.process as UtilityProcessLike
    const next = fork(w.electron)
    w.files.attach(next)
    await expect(
      (async () => {
        for (;;) await live.next()
      })(),
    ).rejects.toBeInstanceOf(DisconnectedError)
    expect(old).not.toBe(next)
    const again = await filesClient(doc)
    expect((await again.whoami()).route).toBe('files')
  })
})

describe('restarting a utility host from inside its exit event', () => {
  it('serves from the new process when the app attach()es it in the old one\'s exit listener, registered before utilityHost()', async () => {
    const electron = new FakeElectron()
    const first = fork(electron)
    let files!: RemoteHost<UtilityProcessLike, typeof FilesApi>
    // The app's listener comes first: the host's own exit listener still runs after it, for the old process.
    first.on('exit', () => files.attach(fork(electron)))
    files = utilityHost<typeof FilesApi>(first)
    const host = serve(mainApi, { electron, hosts: { files }, log: () => {} })
    try {
      const doc = electron.createWindow('file:///app/index.html').mainFrame.document!
      const before = await filesClient(doc)
      await expect(before.die(9)).rejects.toBeInstanceOf(DisconnectedError)
      await waitFor(() => files.process !== first, 'the restart')
      expect(files.running).toBe(true)
      const after = await filesClient(doc)
      expect((await after.whoami()).route).toBe('files')
    } finally {
      host.close()
      files.close()
    }
  })
})
