import { ValidationError } from 'sluice/renderer'
import type { Note } from '../../../shared/api'
import { describeError, h } from '../dom'
import { card, signature } from './card'

/**
 * Runtime validation: createNote() is wrapped in validated(zodSchema, …) on the host. The page does not check
 * anything itself, on purpose: the host's ValidationError lists each issue with its path, shown by its field.
 */
export function notesPanel(): HTMLElement {
  const title = h('input', { type: 'text', placeholder: 'Title (1 to 80 characters)', 'aria-label': 'Title', 'data-testid': 'note-title' })
  const body = h('textarea', { rows: 2, placeholder: 'Body (optional, at most 2 000 characters)', 'aria-label': 'Body', 'data-testid': 'note-body' })
  const titleError = h('div', { class: 'field-error', 'data-testid': 'note-title-error' })
  const bodyError = h('div', { class: 'field-error', 'data-testid': 'note-body-error' })
  const otherError = h('div', { class: 'field-error', 'data-testid': 'note-error' })
  const create = h('button', { class: 'primary', 'data-testid': 'note-create', onclick: () => void submit() }, 'Create')
  const list = h('ul', { class: 'results notes', 'data-testid': 'note-list' })
  const fieldErrors: Record<string, HTMLElement> = { title: titleError, body: bodyError }

  const show = (note: Note) =>
    list.prepend(h('li', {}, h('span', { class: 'file' }, note.title), h('span', { class: 'muted' }, note.body ? `${note.body.length} chars` : '(no body)')))

  async function submit() {
    for (const el of [titleError, bodyError, otherError]) el.replaceChildren()
    create.disabled = true
    try {
      show(await window.api.createNote({ title: title.value, body: body.value }))
      title.value = ''
      body.value = ''
    } catch (e) {
      if (e instanceof ValidationError) {
        for (const issue of e.issues) {
          const seg = issue.path?.[0]
          const key = typeof seg === 'object' && seg !== null ? seg.key : seg
          const el = (typeof key === 'string' && fieldErrors[key]) || otherError
          el.append(h('div', {}, issue.message))
        }
      } else {
        otherError.append(h('div', {}, describeError(e)))
      }
    } finally {
      create.disabled = false
    }
  }

  return card(
    'notes',
    'Validation',
    'The host checks the note with a zod schema before its handler runs. Invalid input never reaches the handler: the page gets a ValidationError with one issue per field.',
    [create],
    signature('createNote = validated(zodSchema, handler)'),
    h('label', { class: 'field' }, title, titleError),
    h('label', { class: 'field' }, body, bodyError),
    otherError,
    list,
  )
}
