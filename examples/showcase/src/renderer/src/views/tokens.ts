import { formatInt, h, perFrame } from '../dom'
import { card, status, streamButtons } from './card'

const KEEP_CHARS = 6000

/**
 * tokens(): an LLM-style stream at 20 000 tokens a second. Tokens are gathered as they arrive and drawn once
 * per animation frame: painting per token would cost a layout per token and stall the page.
 */
export function tokensPanel(): HTMLElement {
  const size = h(
    'select',
    { 'aria-label': 'How many tokens', 'data-testid': 'tokens-size' },
    h('option', { value: '20000' }, '20 000 tokens'),
    h('option', { value: '200000', selected: true }, '200 000 tokens'),
    h('option', { value: '1000000' }, '1 000 000 tokens'),
  )
  const out = h('pre', { class: 'tokens', 'data-testid': 'tokens-output' })
  const text = document.createTextNode('')
  out.append(text)
  const count = h('span', { class: 'big', 'data-testid': 'tokens-count' }, '0')
  const rate = h('span', { 'data-testid': 'tokens-rate' }, '0')
  const frames = h('span', { 'data-testid': 'tokens-frames' }, '0')
  const line = status('tokens')
  let chunks: string[] = []
  let received = 0
  let drawn = 0
  let t0 = 0

  const draw = perFrame(() => {
    text.appendData(chunks.join(''))
    chunks = []
    if (text.length > KEEP_CHARS * 2) text.deleteData(0, text.length - KEEP_CHARS)
    out.scrollTop = out.scrollHeight
    drawn++
    count.textContent = formatInt(received)
    frames.textContent = formatInt(drawn)
    const seconds = (performance.now() - t0) / 1000
    rate.textContent = formatInt(seconds > 0 ? received / seconds : 0)
  })

  const buttons = streamButtons('tokens', 'Generate', line, {
    busy: 'Streaming…',
    reset() {
      text.data = ''
      chunks = []
      received = 0
      drawn = 0
      t0 = performance.now()
    },
    call: () => window.api.tokens(Number(size.value)),
    item(token) {
      chunks.push(token)
      received++
      draw()
    },
    settled: draw,
    done: (result) => `Done · ${formatInt(result.tokens)} tokens in ${(result.ms / 1000).toFixed(1)} s`,
  })

  return card(
    'tokens',
    'Token stream',
    'A language-model-style stream at 20 000 tokens a second, drawn once per animation frame rather than once per token.',
    [size, buttons.start, buttons.cancel],
    h(
      'div',
      { class: 'row stats' },
      h('span', {}, count, h('span', { class: 'muted' }, ' tokens')),
      h('span', {}, rate, h('span', { class: 'muted' }, ' tokens/s')),
      h('span', {}, frames, h('span', { class: 'muted' }, ' frames drawn')),
      line,
    ),
    out,
  )
}
