/**
 * The host's typed events: what main may `host.emit(...)` to every window, and what a page may listen to with
 * `events<AppEvents>(window.api).on(...)`. A typed-emitter map (a type alias, not an interface, so that it
 * fits typed-emitter's index signature). Shared by both sides, types only.
 */
export type AppEvents = {
  /** Something worth telling every window about: a note was created, for now. */
  notice: (text: string, at: Date) => void
}
