/** The host, in a real browser Web Worker: it serves ./api over every MessagePort the page transfers to it. */
import { createHost, type Host } from 'sluice/main'
import * as api from './api'

const host: Host<typeof api> = createHost(api)

self.addEventListener('message', (event: MessageEvent<{ port?: MessagePort; stats?: true }>) => {
  if (event.data.port) host.connect(event.data.port, { kind: 'page' })
  if (event.data.stats) (self as unknown as Worker).postMessage({ stats: host.stats() })
})
