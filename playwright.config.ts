/**
 * Browser tests (npm run test:browser), in Debian's Chromium:
 * - e2e/web: the template's real UI in web mode (scripts/web-server.ts: the real renderer, the real
 *   src/main/api.ts in Node, over a WebSocket). Needs the renderer built: `npm run build` (test:browser does it).
 * - e2e/worker: the sluice client in a real page against a host in a real Web Worker, over a DOM MessagePort.
 */
import { defineConfig } from '@playwright/test'
import { chromiumLaunch } from './e2e/support/chromium'

const port = Number(process.env.SLUICE_WEB_PORT ?? 5199)

export default defineConfig({
  testDir: 'e2e',
  testIgnore: ['electron/**'],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Two cores and a noisy VM: one worker keeps timings honest.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results/browser',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: chromiumLaunch,
    viewport: { width: 1280, height: 860 },
    // No screencast in traces: capturing frames costs a software-rendered page more than the app under test does.
    trace: { mode: 'retain-on-failure', screenshots: false },
  },
  webServer: {
    command: `npx tsx scripts/web-server.ts --port ${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    stdout: 'pipe',
    timeout: 60_000,
  },
})
