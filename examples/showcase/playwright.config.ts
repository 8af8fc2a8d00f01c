/**
 * The showcase's browser tests (npm run test:browser -w sluice-showcase), in Chromium: its real UI in web mode,
 * served in the test worker by e2e/fixtures/web.ts (the real renderer from out/renderer, the real backend in
 * Node, over a WebSocket), plus checks of the built bundles and the Forge config. Needs `npm run build` first.
 */
import { defineConfig } from '@playwright/test'
import { chromiumLaunch } from '../../e2e/support/chromium'

export default defineConfig({
  testDir: 'e2e',
  testIgnore: ['electron/**'],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Two cores and a noisy VM: one worker keeps timings honest.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: '../../test-results/showcase',
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunch(),
    viewport: { width: 1280, height: 860 },
    // No screencast in traces: capturing frames costs a software-rendered page more than the app under test does.
    trace: { mode: 'retain-on-failure', screenshots: false },
  },
})
