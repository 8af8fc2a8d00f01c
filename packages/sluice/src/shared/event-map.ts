/**
 * The shape of a typed event map: event name to listener signature, e.g.
 * `type AppEvents = { progress: (done: number, total: number) => void }`.
 *
 * The same definition as typed-emitter's `EventMap` (MIT, Andy Wermke), so maps written for typed-emitter fit
 * as they are. It is kept here, not imported, because typed-emitter declares rxjs as an optional dependency:
 * installing it would put rxjs (about 12 MB, plus tslib) into every app that installs sluice.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any: the map's listeners are the user's own signatures
export type EventMap = { [key: string]: (...args: any[]) => void }
