/**
 * The types the renderer shares with the backend, all derived from src/main/api.ts: nothing is written twice.
 * `import type` only: no backend code reaches the renderer bundle.
 */
import type { Client } from 'sluice'

/** The backend module, as a type. */
export type Api = typeof import('../main/api')

/** What the renderer holds as `window.api`. */
export type AppApi = Client<Api>

export type { FileProgress, Note, ProcessSummary, Pulse, SearchMatch, SearchRoot, SearchSummary, TokenSummary, UploadSummary } from '../main/api'
export type { DashboardStats } from '../main/feeds'
export type { AppEvents } from './events'
