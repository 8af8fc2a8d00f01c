/**
 * The preload: one call. It relays this window's sluice port to the page, where src/renderer/src/sluice.ts
 * picks it up with connect(). It runs sandboxed, so sluice is bundled into it (see electron.vite.config.ts).
 */
import { exposeBridge } from 'sluice/preload'

exposeBridge()
