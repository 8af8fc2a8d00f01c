/**
 * Where window.api comes from. This is the only place where Electron and the web mode differ: under Electron
 * the preload's exposeBridge() hands the page a MessagePort (connect() picks it up); in a plain browser tab the
 * page opens a WebSocket to the server that runs the same backend (npm run start:web).
 */
import { connect, createClient, isBridged, webSocketPort } from 'sluice/renderer'
import type { Api, AppApi } from '../../shared/api'

function open(): { api: AppApi; transport: Window['sluiceTransport'] } {
  if (isBridged()) return { api: connect<Api>(), transport: 'electron' }
  const url = new URL('/sluice', location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return { api: createClient<Api>(webSocketPort(new WebSocket(url))), transport: 'websocket' }
}

const { api, transport } = open()
Object.defineProperty(window, 'api', { value: api, enumerable: true })
Object.defineProperty(window, 'sluiceTransport', { value: transport, enumerable: true })
