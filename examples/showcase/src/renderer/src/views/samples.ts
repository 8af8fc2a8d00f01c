import { h } from '../dom'

let list: ReturnType<typeof window.api.listSamples> | undefined

/** The sample folder's files (listSamples()), asked for once per page. */
export function samples(): ReturnType<typeof window.api.listSamples> {
  return (list ??= window.api.listSamples())
}

/** A <select> of the sample files by name: the backend takes these names, never a path. */
export function sampleSelect(testId: string, preferred: string): HTMLSelectElement {
  const select = h('select', { 'aria-label': 'Sample file', 'data-testid': testId, class: 'grow' })
  void samples().then((files) => {
    for (const f of files) select.append(h('option', { value: f.file, selected: f.file === preferred }, f.file))
  })
  return select
}
