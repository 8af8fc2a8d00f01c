/**
 * Asking main for a port: one hello per request, retried until an answer comes, since main may not be
 * listening yet (a window created before `serve()` ran). Every hello of a request carries the same request id,
 * and main echoes it; the first port to arrive answers the request, and any later one (main answered two of
 * the retried hellos) is closed at once, which ends its connection on the main side.
 *
 * Every hello also carries this document's token, and a reply without it is closed unread: request ids restart
 * at 1 in every document, and main's `frame.postMessage` lands in whatever document the frame holds by then,
 * so after a reload that reuses the frame host, the old page's reply reaches the new page
 * (shell/browser/api/electron_api_web_frame_main.cc `PostMessage` targets the frame, not a document).
 */
import { ipcRenderer } from 'electron'
import type { HelloRequest, HelloToken, PortReply } from '../shared/bridge.js'
import { SLUICE_CHANNELS } from '../shared/protocol.js'

/** Delays before each repeated hello; after the last one, the request fails. */
const RETRY_MS = [250, 1000, 2000, 4000, 8000, 15000]

/** A port from main, and (for main's own port) the namespaces that other processes serve. */
export interface GrantedPort {
  port: MessagePort
  routes: string[]
}

interface Waiter {
  resolve(granted: GrantedPort): void
  reject(error: Error): void
  timer: ReturnType<typeof setTimeout> | undefined
}

const waiting = new Map<HelloRequest, Waiter>()
let nextRequest = 1
let listening = false
/** Made when this module runs, i.e. once per document: each document runs its preload afresh. */
const token: HelloToken = randomToken()

function randomToken(): HelloToken {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function onReply(event: { ports: readonly MessagePort[] }, reply: PortReply | undefined): void {
  const port = event.ports[0]
  const ours = reply?.token === token
  const waiter = ours && typeof reply?.request === 'number' ? waiting.get(reply.request) : undefined
  if (waiter === undefined) {
    // A duplicate answer to a retried hello, an answer meant for the document before this one, or one nobody
    // asked for: close it so main ends that connection.
    port?.close()
    return
  }
  waiting.delete(reply!.request!)
  clearTimeout(waiter.timer)
  const routes = Array.isArray(reply?.routes) ? reply.routes.filter((r): r is string => typeof r === 'string') : []
  if (port !== undefined) waiter.resolve({ port, routes })
  else waiter.reject(new Error(`sluice: no port: ${reply?.refused ?? 'the main process sent none'}`))
}

/** Asks main for a port: its own, or (with `route`) one to the process that serves that namespace. */
export function requestPort(route?: string): Promise<GrantedPort> {
  if (!listening) {
    listening = true
    ipcRenderer.on(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, (event, reply) => onReply(event, reply as PortReply | undefined))
  }
  const request = nextRequest++
  return new Promise<GrantedPort>((resolve, reject) => {
    const waiter: Waiter = { resolve, reject, timer: undefined }
    waiting.set(request, waiter)
    let attempt = 0
    const hello = () => {
      if (route === undefined) ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, request, token)
      else ipcRenderer.send(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, request, token, route)
      const delay = RETRY_MS[attempt++]
      waiter.timer = setTimeout(delay === undefined ? giveUp : hello, delay ?? 15000)
    }
    const giveUp = () => {
      waiting.delete(request)
      reject(new Error(`sluice: no answer from the main process after ${attempt} hellos: is serve(api) running there?`))
    }
    hello()
  })
}
