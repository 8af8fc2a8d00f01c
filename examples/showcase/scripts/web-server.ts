/**
 * The showcase in web mode: its real renderer in any browser, its real backend (src/main/api.ts) in Node, served
 * by the repository's hardened web-mode server (scripts/web-server.ts at the root; same options). There is no
 * utility process here: the `hashing` namespace (src/main/hashing.ts) is served in this same process, under the
 * same name, so the page's `api.hashing.*` calls work unchanged.
 *
 *   npm run start:web -w sluice-showcase    the built renderer (out/renderer), after building it
 *   npm run dev:web -w sluice-showcase      src/renderer through Vite (hot reload)
 */
import { join, resolve } from 'node:path'
import { type WebApp, webServerMain } from '../../../scripts/web-server'
import * as api from '../src/main/api'
import * as hashingApi from '../src/main/hashing'
import { startFeeds } from '../src/main/feeds'
import { configure, projectDir } from '../src/main/runtime'
import type { Api } from '../src/shared/api'

const dir = resolve(__dirname, '..')

/** What the web server serves: the same shape as the page's Api type (src/shared/api.ts). */
export const showcaseApi = { ...api, hashing: { ...hashingApi } } satisfies Api

export const showcaseApp: WebApp = {
  dir,
  api: showcaseApi,
  setup(host) {
    configure({ mode: 'web', sampleDir: join(dir, 'resources', 'sample'), appDir: projectDir(dir), stats: () => host.stats() })
    return startFeeds(host)
  },
}

if (require.main === module) webServerMain(showcaseApp)
