/**
 * workerHost(worker) + serveWorker(api): the same contract as the utility host, with a real worker_threads
 * Worker. Two paths: a Node MessagePort is transferred to the worker (plain Node, the benchmark's setup), and
 * serve()'s MessagePortMain is relayed (Electron cannot hand a MessagePortMain to a worker thread).
 */
import { MessageChannel, type MessagePort, threadId, Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { serve, type RoutedPortReply, workerHost, type WorkerLike } from '../src/main/index.js'
import { createClient, DisconnectedError } from '../src/renderer/index.js'
import { SLUICE_CHANNELS } from '../src/shared/protocol.js'
import { type FakeDocument, FakeElectron } from './fakes/electron.js'
import type * as FilesApi from './fixtures/utility-api.js'
import { readUntilFailure } from './__shared__/iterate.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const workers: Worker[] = []

function spawn(): Worker {
  const w = new Worker(new URL('./fixtures/utility-worker.mjs', import.meta.url))
  workers.push(w)
  return w
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()))
})

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A client in this thread, its port's other end served in the worker. */
function pair(remote: ReturnType<typeof workerHost>, peer: Record<string, unknown> = { name: 'test' }) {
  const { port1, port2 } = new MessageChannel()
  const conn = remote.connect(port2, peer)
  return { client: createClient<typeof FilesApi>(port1), conn, port: port1 }
}

describe('workerHost() over Node MessagePorts', () => {
  it('serves the api in the worker thread, with the peer main gave', async () => {
    const remote = workerHost<typeof FilesApi>(spawn())
    const { client } = pair(remote, { name: 'a', window: 3 })
    const who = await client.whoami()
    expect(who).toMatchObject({ name: 'a', window: 3 })
    expect(who.threadId).not.toBe(threadId)
    const items: number[] = []
    for await (const { i } of client.hashChunks(500)) items.push(i)
    expect(items).toHaveLength(500)
    remote.close()
  })

  it("conn.close() in main ends the peer's stream in the worker: its finally and onClose run, stats() return to zero", async () => {
    const remote = workerHost<typeof FilesApi>(spawn())
    const { client, conn } = pair(remote)
    const stream = client.hashChunks(Infinity, 5)
    const it = stream[Symbol.asyncIterator]()
    await it.next()
    expect(await remote.stats()).toMatchObject({ connections: 1, streams: 1 })
    conn.close('the window went away')
    // Items already on their way are still delivered; then the stream fails with the disconnect.
    await expect(readUntilFailure(it)).rejects.toBeInstanceOf(DisconnectedError)
    await waitFor(async () => (await remote.stats()).peers.length === 0, 'the worker to retire the connection')
    expect(await remote.stats()).toMatchObject({ connections: 0, calls: 0, streams: 0, refs: 0 })
    const probe = pair(remote).client
    expect(await probe.counts()).toMatchObject({ finallies: 1, closes: ['DisconnectedError'] })
    remote.close()
  })

  it('the worker reports a connection whose port closed, and main forgets it (onClose runs in main)', async () => {
    const remote = workerHost<typeof FilesApi>(spawn())
    const { client, conn, port } = pair(remote)
    await client.whoami()
    const closed = new Promise<void>((r) => conn.onClose(r))
    port.close()
    await closed
    expect(conn.closed).toBe(true)
    remote.close()
  })

  it('a worker that dies fails every live call with a DisconnectedError, and attach() serves from its replacement', async () => {
    const remote = workerHost<typeof FilesApi>(spawn())
    const a = pair(remote)
    const b = pair(remote)
    const live = a.client.hashChunks(Infinity, 5)[Symbol.asyncIterator]()
    await live.next()
    const other = b.client.hashChunks(Infinity, 5)
    const mainSide = new Promise<void>((r) => a.conn.onClose(r))
    await expect(a.client.die(3)).rejects.toBeInstanceOf(DisconnectedError)
    await expect(readUntilFailure(live)).rejects.toBeInstanceOf(DisconnectedError)
    await expect(other).rejects.toBeInstanceOf(DisconnectedError)
    await mainSide
    expect(remote.running).toBe(false)
    await expect(remote.stats()).rejects.toThrow(/worker host process exited \(code 3\)/)
    // A port handed over while it is down is closed at once, so its client fails fast rather than hang.
    const down = pair(remote)
    expect(down.conn.closed).toBe(true)
    await expect(down.client.whoami()).rejects.toBeInstanceOf(DisconnectedError)

    remote.attach(spawn())
    expect(remote.running).toBe(true)
    const again = pair(remote)
    expect((await again.client.whoami()).name).toBe('test')
    remote.close()
  })

  it('refuses a port it cannot send, naming the API and what it needs', () => {
    const remote = workerHost(spawn())
    expect(() => remote.connect({} as never)).toThrow(/workerHost\(\)\.connect\(\): the port must be a MessagePort or a MessagePortMain/)
    remote.close()
  })
})

describe('workerHost() behind serve(): the MessagePortMain is relayed', () => {
  let requests = 1
  function hello(doc: FakeDocument, route?: string): Promise<{ port: MessagePort | undefined; reply: RoutedPortReply }> {
    const request = requests++
    return new Promise((resolve) => {
      doc.ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, (event, reply) => {
        if ((reply as RoutedPortReply).request === request) resolve({ port: event.ports[0], reply: reply as RoutedPortReply })
      })
      doc.ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, request, 't', ...(route === undefined ? [] : [route]))
    })
  }

  it('streams page <-> worker through the relay, and a window closing ends the stream in the worker', async () => {
    const electron = new FakeElectron()
    const files = workerHost<typeof FilesApi>(spawn() as WorkerLike)
    const host = serve({ async ping() { return 'pong' } }, { electron, hosts: { files }, log: () => {} })
    const wc = electron.createWindow('file:///app/index.html')
    const { port } = await hello(wc.mainFrame.document!, 'files')
    const client = createClient<typeof FilesApi>(port!)
    expect(await client.whoami()).toMatchObject({ webContentsId: wc.id, route: 'files', mainFrame: true })
    const items: number[] = []
    for await (const { i } of client.hashChunks(300)) items.push(i)
    expect(items).toHaveLength(300)
    const it = client.hashChunks(Infinity, 5)[Symbol.asyncIterator]()
    await it.next()
    wc.destroy({ closePorts: false })
    await waitFor(async () => (await files.stats()).streams === 0, 'the worker to end the stream')
    expect((await files.stats()).connections).toBe(0)
    host.close()
    files.close()
  })
})

describe('a Worker handed to createHost().connect()', () => {
  it('is refused with an error that says what to use instead, not "port.start is not a function"', async () => {
    const { createHost } = await import('../src/main/index.js')
    const { Worker } = await import('node:worker_threads')
    const worker = new Worker('setTimeout(() => {}, 10)', { eval: true })
    try {
      expect(() => createHost({}).connect(worker as never)).toThrow(/a Worker or a utility process is not a port\. In main, use workerHost\(worker\)/)
    } finally {
      await worker.terminate()
    }
  })
})
