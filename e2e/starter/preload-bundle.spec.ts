/**
 * The built preload (out/preload/index.js) runs as a sandboxed Electron preload does: it must require only
 * electron, say hello, and relay main's port to the page (see e2e/support/preload-bundle.ts). Needs
 * `npm run build`, which test:browser runs first.
 */
import { join } from 'node:path'
import { test } from '@playwright/test'
import { checkPreloadBundle } from '../support/preload-bundle'

test('the preload bundle requires only electron, says hello, and relays the port the page asks for', async () => {
  await checkPreloadBundle(join(__dirname, '../../out/preload/index.js'))
})
