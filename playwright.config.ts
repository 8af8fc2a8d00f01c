/**
 * The starter's browser tests (npm run test:browser), in Chromium (e2e/support/chromium.ts finds one):
 * - e2e/starter: the starter's real UI against its real backend in web mode, and its built main and preload
 *   bundles under a stand-in for Electron; npm start's cleanup; a fresh app scaffolded as a user would.
 * - e2e/web: the web-mode server under attack.
 * - e2e/worker: the sluice client in a real page against a host in a real Web Worker, over a DOM MessagePort.
 * The showcase has its own (examples/showcase/playwright.config.ts).
 */
import { defineConfig } from '@playwright/test'
import { chromiumLaunch } from './e2e/support/chromium'

export default defineConfig({
  testDir: 'e2e',
  // e2e/scaffold installs fresh apps from the registry for minutes: npm run test:scaffold (playwright.scaffold.config.ts).
  testIgnore: ['electron/**', 'scaffold/**'],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Two cores and a noisy VM: one worker keeps timings honest.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results/browser',
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunch(),
    // No screencast in traces: capturing frames costs a software-rendered page more than the app under test does.
    trace: { mode: 'retain-on-failure', screenshots: false },
  },
})
