/** The page: a sluice client over a real DOM MessageChannel whose other end lives in the Worker. */
import * as rxjs from 'rxjs'
import { createClient, release } from 'sluice/renderer'
import type * as Api from './api'

const worker = new Worker('./host-worker.js', { type: 'module' })
const { port1, port2 } = new MessageChannel()
worker.postMessage({ port: port2 }, [port2])

const pageGlobals = window as unknown as Record<string, unknown>
pageGlobals.api = createClient<typeof Api>(port1)
pageGlobals.hostStats = () =>
  new Promise((resolve) => {
    worker.addEventListener('message', (e: MessageEvent) => resolve(e.data.stats), { once: true })
    worker.postMessage({ stats: true })
  })
// RxJS for the Observable tests (observables-api.ts): the page's Observables are real RxJS ones.
pageGlobals.rxjs = rxjs
pageGlobals.release = release
pageGlobals.ready = true
