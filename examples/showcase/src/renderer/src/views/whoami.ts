import { AbortError } from 'sluice/renderer'
import { describeError, h } from '../dom'
import { card, signature } from './card'

/**
 * getContext() and Abort: whoAmI() returns the peer the host sees for this window; secretAction() answers a
 * wrong token with Abort({ reason: 'unauthorized' }), which arrives as an AbortError carrying that value. The
 * page shows it as an expected refusal, apart from real errors (bugs).
 */
export function whoAmIPanel(): HTMLElement {
  const ask = h('button', { class: 'primary', 'data-testid': 'whoami-start', onclick: () => void who() }, 'Who am I?')
  const peer = h('dl', { class: 'facts', 'data-testid': 'whoami-peer' })
  const token = h('input', { type: 'text', placeholder: 'token (the right one is “open sesame”)', 'aria-label': 'Token', 'data-testid': 'secret-token' })
  const act = h('button', { class: 'ghost', 'data-testid': 'secret-start', onclick: () => void secret() }, 'Secret action')
  const result = h('div', { class: 'result', hidden: true, 'data-testid': 'secret-result', role: 'status' })

  token.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void secret()
  })

  async function who() {
    try {
      const p = await window.api.whoAmI()
      peer.replaceChildren()
      for (const [k, v] of Object.entries(p)) peer.append(h('dt', {}, k), h('dd', { 'data-testid': `whoami-${k}` }, typeof v === 'string' ? v : JSON.stringify(v)))
    } catch (e) {
      peer.replaceChildren(h('dt', {}, 'error'), h('dd', {}, describeError(e)))
    }
  }

  async function secret() {
    result.hidden = false
    result.className = 'result'
    result.replaceChildren('…')
    try {
      const r = await window.api.secretAction(token.value)
      result.dataset['kind'] = 'granted'
      result.className = 'result granted'
      result.replaceChildren(h('strong', {}, 'Granted'), ` to peer ${r.peer} at ${r.at.toLocaleTimeString()}`)
    } catch (e) {
      if (e instanceof AbortError) {
        // An expected answer from the host: it said no, and why.
        result.dataset['kind'] = 'refused'
        result.className = 'result refused'
        result.replaceChildren(h('strong', {}, 'Refused'), ' · AbortError, abortValue ', h('code', { 'data-testid': 'secret-abort-value' }, JSON.stringify(e.abortValue)))
      } else {
        // Anything else is a bug, on one side or the other.
        const err = e as Error
        result.dataset['kind'] = 'bug'
        result.className = 'result bug'
        result.replaceChildren(h('strong', {}, 'Bug'), ` · ${err.name}: ${err.message}`)
      }
    }
  }

  return card(
    'whoami',
    'Context and Abort',
    'getContext() tells a handler who is calling. Abort(value) is how a handler says no: the page gets an AbortError with that value, kept apart from bugs.',
    [ask],
    signature('whoAmI() → peer · secretAction(token) → Abort(…)'),
    peer,
    h('div', { class: 'row' }, token, act),
    result,
  )
}
