/// <reference types="vite/client" />
import type { AppApi } from '../../shared/api'

declare global {
  interface Window {
    /** The backend (src/main/api.ts), typed from its source; set up by ./sluice.ts. */
    readonly api: AppApi
    /** How this page reaches the backend: Electron's MessagePort, or the web mode's WebSocket. */
    readonly sluiceTransport: 'electron' | 'websocket'
  }
}
