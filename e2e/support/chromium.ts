/**
 * The browser the specs drive: Debian's Chromium (apt-get install -y chromium), never a Playwright download.
 * CHROMIUM_PATH overrides the path.
 */
import type { LaunchOptions } from '@playwright/test'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const chromiumLaunch: LaunchOptions = {
  executablePath: chromiumPath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
}
