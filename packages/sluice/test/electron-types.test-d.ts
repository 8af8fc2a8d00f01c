/**
 * Type tests (checked by `tsc --noEmit`, never run): the Electron subset that serve() declares is faithful,
 * i.e. the real `electron` module fits it, and so does the fake the unit tests use.
 */
import type { ServeElectron, ServeFrame, ServePort, ServeWebContents } from '../src/main/index.js'
import { serve } from '../src/main/index.js'
import type { FakeElectron } from './fakes/electron.js'

type RealElectron = typeof import('electron')

// The real main-process module can be passed as options.electron.
declare const real: RealElectron
export const realFits: ServeElectron = real
serve({}, { electron: real })

// Its parts, one by one, so a mismatch names the culprit.
export const portFits: ServePort = new real.MessageChannelMain().port1
declare const frame: Electron.WebFrameMain
export const frameFits: ServeFrame = frame
declare const contents: Electron.WebContents
export const contentsFits: ServeWebContents = contents
declare const ipcEvent: Electron.IpcMainEvent
real.ipcMain.on('x', (e) => {
  const sameEvent: Electron.IpcMainEvent = e
  const narrowed: { sender: ServeWebContents; senderFrame: ServeFrame | null } = ipcEvent
  return [sameEvent, narrowed]
})

// The fake fits the same declared surface.
declare const fake: FakeElectron
export const fakeFits: ServeElectron = fake

// @ts-expect-error -- a module without MessageChannelMain is not an Electron main module
export const missing: ServeElectron = { app: real.app, ipcMain: real.ipcMain }
