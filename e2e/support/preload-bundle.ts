/**
 * A built preload, run the way a sandboxed Electron preload runs: as one classic CommonJS script whose
 * `require` knows only electron, events, timers and url. Given a minimal stand-in for `ipcRenderer`,
 * `contextBridge` and `window`, it must say hello, mark the page, and relay main's port to the page when the
 * page asks. (sluice's own tests run the full handshake against a faithful fake; this checks the bundle an app
 * ships.) Shared by the starter's and the showcase's specs.
 */
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import vm from 'node:vm'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { expect } from '@playwright/test'

const SANDBOX_MODULES = new Set(['electron', 'events', 'timers', 'url', 'node:events', 'node:timers', 'node:url'])

/** Checks the preload bundle at `file` (see above); fails the calling test on the first broken expectation. */
export async function checkPreloadBundle(file: string): Promise<void> {
  const code = readFileSync(file, 'utf8')

  // The renderer half of Electron, as far as the preload touches it.
  const hellos: unknown[][] = []
  const ipc = new EventEmitter()
  const ipcRenderer = {
    send: (channel: string, ...args: unknown[]) => hellos.push([channel, ...args]),
    on: (channel: string, listener: (...args: unknown[]) => void) => ipc.on(channel, listener),
  }
  const pageMessages: { data: unknown; ports: MessagePort[] }[] = []
  const page: EventTarget & { location: object; sluiceBridge?: unknown; postMessage(data: unknown, target: string, ports?: MessagePort[]): void } = Object.assign(new EventTarget(), {
    location: { origin: 'file://', protocol: 'file:' },
    postMessage(data: unknown, _target: string, ports: MessagePort[] = []) {
      pageMessages.push({ data, ports })
      setImmediate(() => page.dispatchEvent(Object.assign(new Event('message'), { data, ports, source: page, origin: 'null' })))
    },
  })
  const contextBridge = { exposeInMainWorld: (key: string, value: unknown) => Object.defineProperty(page, key, { value, enumerable: true }) }

  const required: string[] = []
  const sandboxRequire = (id: string): unknown => {
    required.push(id)
    if (!SANDBOX_MODULES.has(id)) throw new Error(`module not found: ${id}`)
    if (id === 'electron') return { ipcRenderer, contextBridge }
    throw new Error(`this stand-in only provides electron, not ${id}`)
  }
  // Electron wraps a sandboxed preload in a function and runs it as a classic script: no import syntax allowed.
  const run = vm.runInThisContext(`(function (require, module, exports, window) {\n${code}\n})`, { filename: 'out/preload/index.js' }) as (...args: unknown[]) => void
  const module = { exports: {} }
  run(sandboxRequire, module, module.exports, page)

  expect(required).toEqual(['electron'])
  expect(page.sluiceBridge).toEqual({ version: 1 })
  // The hello carries this document's random token; main's answer must echo it to be taken.
  expect(hellos).toEqual([['sluice:hello', 1, expect.stringMatching(/^[0-9a-f]{32}$/)]])
  const token = hellos[0]![2]

  // Main answers the hello with a port (as serve() does); the page then asks for it.
  const { port1: mainEnd, port2: rendererEnd } = new MessageChannel()
  ipc.emit('sluice:port', { ports: [rendererEnd] }, { request: 1, token })
  page.postMessage({ sluice: 'sluice:want-port', nonce: 'n0nce' }, '*')
  await expect.poll(() => pageMessages.find((m) => (m.data as { sluice?: string }).sluice === 'sluice:port')).toBeTruthy()
  const relayed = pageMessages.find((m) => (m.data as { sluice?: string }).sluice === 'sluice:port')!
  expect(relayed.data).toEqual({ sluice: 'sluice:port', nonce: 'n0nce' })
  expect(relayed.ports).toEqual([rendererEnd])

  // The relayed port is the live pipe to main.
  const got = new Promise((resolve) => mainEnd.once('message', resolve))
  relayed.ports[0]!.postMessage('hello from the page')
  expect(await got).toBe('hello from the page')
  mainEnd.close()
}
