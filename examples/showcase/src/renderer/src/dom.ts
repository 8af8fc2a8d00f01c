/** A few DOM helpers: the template needs no framework. */

type Child = Node | string | null | undefined | false
type Props = Record<string, string | number | boolean | EventListener | undefined>

/** `h('button', { class: 'primary', onclick: fn }, 'Start')`. Attributes are set as attributes, `on*` as listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c)
  return el
}

/**
 * Coalesces redraws to one per animation frame: call the returned function as often as data arrives (a
 * stream may deliver tens of thousands of items a second), and `draw` runs at most once per frame.
 */
export function perFrame(draw: () => void): () => void {
  let queued = false
  return () => {
    if (queued) return
    queued = true
    requestAnimationFrame(() => {
      queued = false
      draw()
    })
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

export const formatInt = (n: number) => Math.round(n).toLocaleString('en-US')

/** The message of a rejection, or "Cancelled" for a cancellation. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.name === 'AbortError' ? 'Cancelled' : e.message
  return String(e)
}
