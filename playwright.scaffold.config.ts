/**
 * npm run test:scaffold (the last step of npm test): fresh apps from `npm create @quick-start/electron`, with
 * the packed sluice and the README's steps (e2e/scaffold). Needs the npm registry and sluice built (npm ci
 * does it); about 1.5 minutes with a warm npm cache, so apart from the browser tests' config and its timeouts.
 */
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'e2e/scaffold',
  timeout: 600_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/scaffold',
})
