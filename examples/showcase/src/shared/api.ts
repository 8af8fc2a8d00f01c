/**
 * The types the renderer shares with the backend, all derived from its modules (src/main/api.ts, and
 * src/main/hashing.ts for the `hashing` namespace): nothing is written twice. `import type` only: no backend
 * code reaches the renderer bundle.
 */
import type { Client } from 'sluice'

/**
 * The backend, as a type: main's module, plus the `hashing` namespace, which runs in a utility process under
 * Electron (src/main/index.ts) and beside the rest in web mode (scripts/web-server.ts). The page calls both alike.
 */
export type Api = typeof import('../main/api') & { hashing: typeof import('../main/hashing') }

/** What the renderer holds as `window.api`. */
export type AppApi = Client<Api>

export type { FileProgress, Note, ProcessSummary, Pulse, SearchMatch, SearchRoot, SearchSummary, TokenSummary, UploadSummary } from '../main/api'
export type { LiveSearchAnswer, LiveSearchHit } from '../main/observables'
export type { DashboardStats } from '../main/feeds'
export type { HashProgress, HashResult } from '../main/hashing'
export type { Quote, QuoteSymbol } from '../main/quotes'
export type { AppEvents } from './events'
