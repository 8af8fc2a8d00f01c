// What the showcase's pages put on window (see src/renderer/src/env.d.ts), for page.evaluate() in the specs.
import type { AppApi } from '../../src/shared/api'

declare global {
  interface Window {
    readonly api: AppApi
    readonly sluiceTransport: 'electron' | 'websocket'
  }
}
