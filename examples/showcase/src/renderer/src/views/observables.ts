import { defer, fromEvent, map, startWith, type Subscription } from 'rxjs'
import { release, type RemoteObservable } from 'sluice/renderer'
import type { LiveSearchAnswer } from '../../../shared/api'
import { describeError, formatInt, h } from '../dom'
import { card, say, signature, status } from './card'

/**
 * Observables both ways: the input's keystrokes are an RxJS Observable the page passes to liveSearch(); the
 * host's answer is an Observable the page subscribes to. Subscribing here subscribes the host's pipeline,
 * which subscribes the keystrokes back here; Stop unsubscribes, and both sides tear down, once.
 */
export function observablesPanel(): HTMLElement {
  const input = h('input', { type: 'search', placeholder: 'type a word: lock, weir, heron…', 'aria-label': 'Live search', 'data-testid': 'live-input', disabled: true })
  const start = h('button', { class: 'primary', 'data-testid': 'live-start', onclick: () => void subscribe() }, 'Start')
  const stop = h('button', { class: 'ghost', 'data-testid': 'live-stop', disabled: true, onclick: () => unsubscribe() }, 'Stop')
  const list = h('ul', { class: 'results', 'data-testid': 'live-results' })
  const answered = h('span', { 'data-testid': 'live-answered' }, '0')
  const superseded = h('span', { 'data-testid': 'live-superseded' }, '0')
  const line = status('live')
  line.textContent = 'Not subscribed'
  let results: RemoteObservable<LiveSearchAnswer> | undefined
  let subscription: Subscription | { unsubscribe(): void } | undefined

  function show(answer: LiveSearchAnswer) {
    answered.textContent = formatInt(answer.answered)
    superseded.textContent = formatInt(answer.superseded)
    list.replaceChildren(
      ...(answer.query === ''
        ? [h('li', { class: 'muted' }, 'Type to search the sample notes')]
        : answer.hits.length === 0
          ? [h('li', { class: 'muted', 'data-testid': 'live-none' }, `No word starts with “${answer.query}”`)]
          : answer.hits.map((hit) =>
              h('li', { 'data-testid': 'live-hit' }, h('span', { class: 'file' }, hit.word), h('span', { class: 'muted' }, `${hit.count}× · ${hit.files.join(', ')}`)),
            )),
    )
    line.className = 'status'
    line.textContent = answer.query === '' ? 'Subscribed: type' : `“${answer.query}”: ${answer.hits.length} words`
    line.dataset['query'] = answer.query
  }

  async function subscribe() {
    start.disabled = true
    say(line, 'Subscribing…')
    // The keystrokes, as an Observable: it travels by reference, and the host subscribes to it. Cold: each
    // subscription starts with what the box holds at that moment, then follows its input events.
    const typed = defer(() =>
      fromEvent(input, 'input').pipe(
        map(() => input.value),
        startWith(input.value),
      ),
    )
    try {
      results = await window.api.liveSearch(typed)
    } catch (e) {
      say(line, describeError(e), 'warn')
      start.disabled = false
      return
    }
    subscription = results.subscribe({
      next: show,
      error: (e) => {
        say(line, `Ended: ${describeError(e)}`, 'warn')
        done()
      },
    })
    input.disabled = false
    stop.disabled = false
    input.focus()
  }

  function unsubscribe() {
    subscription?.unsubscribe()
    say(line, `Unsubscribed after ${answered.textContent} answers: the host dropped its pipeline and let go of the keystrokes`, 'done')
    done()
  }

  function done() {
    subscription = undefined
    // Done with the host's Observable: let it go now rather than at the next garbage collection.
    if (results) release(results)
    results = undefined
    input.disabled = true
    stop.disabled = true
    start.disabled = false
  }

  return card(
    'live',
    'Observables',
    'The keystrokes are an RxJS Observable passed to the host; the host debounces them and answers with an Observable. switchMap drops a lookup a newer query overtakes. Stop unsubscribes on both sides.',
    [start, stop],
    signature('liveSearch(keystrokes$) → Observable<answer>'),
    input,
    h('div', { class: 'row stats' }, h('span', { class: 'muted' }, 'answered'), answered, h('span', { class: 'muted' }, 'superseded'), superseded),
    list,
    line,
  )
}
