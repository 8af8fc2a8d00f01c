/// <reference types="vite/client" />
import type { Client } from 'sluice'

/** The backend module, as a type: only types cross, no main-process code reaches the renderer bundle. */
export type Api = typeof import('../../main/api')

declare global {
  interface Window {
    /** The backend (src/main/api.ts), typed from its source; set up by ./api.ts. */
    readonly api: Client<Api>
  }
}
