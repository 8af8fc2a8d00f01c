/**
 * The showcase in web mode: its real renderer in any browser, its real backend (src/main/api.ts) in Node, served
 * by the repository's hardened web-mode server (scripts/web-server.ts at the root; same options).
 *
 *   npm run start:web -w sluice-showcase    the built renderer (out/renderer), after building it
 *   npm run dev:web -w sluice-showcase      src/renderer through Vite (hot reload)
 */
import { join, resolve } from 'node:path'
import { type WebApp, webServerMain } from '../../../scripts/web-server'
import * as api from '../src/main/api'
import { startFeeds } from '../src/main/feeds'
import { configure, projectDir } from '../src/main/runtime'

const dir = resolve(__dirname, '..')

export const showcaseApp: WebApp = {
  dir,
  api,
  setup(host) {
    configure({ mode: 'web', sampleDir: join(dir, 'resources', 'sample'), appDir: projectDir(dir), stats: () => host.stats() })
    return startFeeds(host)
  },
}

if (require.main === module) webServerMain(showcaseApp)
