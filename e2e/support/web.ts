/**
 * The starter in web mode, served in the test worker (the real renderer from out/renderer, the real backend in
 * Node over a WebSocket) on a free port: `baseURL` points at it and `host` is its sluice host, so specs can
 * check what the page cannot see (a stream ended on the host) without the app exposing anything for tests.
 */
import { expect, test as base } from '@playwright/test'
import type { Host } from 'sluice/main'
import { starterApp, startWebServer, type WebServer } from '../../scripts/web-server'

export const test = base.extend<{ host: Host<object> }, { web: WebServer }>({
  web: [
    async ({}, use) => {
      const web = await startWebServer(starterApp, { port: 0 })
      await use(web)
      await web.close()
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ web }, use) => use(web.url),
  host: async ({ web }, use) => use(web.host),
})

export { expect }
