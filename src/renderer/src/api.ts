/**
 * Where window.api comes from. Under Electron the preload hands the page a MessagePort (connect() picks it up);
 * in a plain browser tab (npm run dev:web) the page reaches the same backend, run in Node, over a WebSocket.
 */
import { connect, createClient, isBridged, webSocketPort } from 'sluice/renderer'
import type { Api } from './env'

const socketUrl = new URL('/sluice', location.href.replace(/^http/, 'ws'))
const api = isBridged() ? connect<Api>() : createClient<Api>(webSocketPort(new WebSocket(socketUrl)))
Object.defineProperty(window, 'api', { value: api })
