/**
 * The browser the specs drive, found on any OS without downloading one:
 *   1. CHROMIUM_PATH, when set (.ci/run sets Debian's /usr/bin/chromium);
 *   2. Playwright's own Chromium, when `npx playwright install chromium` has put it on disk;
 *   3. a system Chromium or Chrome in the usual places for Linux, macOS and Windows.
 * With none, the run stops with one line saying how to get one.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type LaunchOptions } from '@playwright/test'

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Where a system Chromium or Chrome usually lives on `platform`, in order of preference. */
export function systemChromiumCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === 'darwin') {
    const apps = ['Chromium.app/Contents/MacOS/Chromium', 'Google Chrome.app/Contents/MacOS/Google Chrome']
    return [...apps.map((a) => `/Applications/${a}`), ...(env.HOME ? apps.map((a) => join(env.HOME!, 'Applications', a)) : [])]
  }
  if (platform === 'win32') {
    const roots = [env.LOCALAPPDATA, env.PROGRAMFILES, env['PROGRAMFILES(X86)']].filter((r): r is string => !!r)
    return roots.flatMap((r) => [join(r, 'Chromium', 'Application', 'chrome.exe'), join(r, 'Google', 'Chrome', 'Application', 'chrome.exe')])
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium']
}

/** Playwright's own Chromium, if installed: executablePath() names it whether or not it is on disk. */
function playwrightChromium(): string | undefined {
  try {
    const path = chromium.executablePath()
    return existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

export type ChromiumChoice = { path: string; source: 'CHROMIUM_PATH' | 'playwright' | 'system' } | { path?: undefined; reason: string }

export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): ChromiumChoice {
  if (env.CHROMIUM_PATH) {
    return exists(env.CHROMIUM_PATH) ? { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' } : { reason: `CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, which does not exist` }
  }
  const own = playwrightChromium()
  if (own) return { path: own, source: 'playwright' }
  const system = systemChromiumCandidates(process.platform, env).find(exists)
  if (system) return { path: system, source: 'system' }
  return {
    reason:
      'no Chromium found: install Chrome or Chromium (Debian/Ubuntu: apt-get install -y chromium), or `npx playwright install chromium`, or set CHROMIUM_PATH',
  }
}

/** Launch options for the Playwright configs. With no browser, the run stops here with the one-line reason. */
export function chromiumLaunch(): LaunchOptions {
  const found = findChromium()
  if (found.path === undefined) {
    console.error(`[browser tests] ${found.reason}`)
    process.exit(1)
  }
  return { executablePath: found.path, args: ARGS }
}
