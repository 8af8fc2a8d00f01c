import './api'

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const [status, progress, start, cancel] = [$<HTMLOutputElement>('status'), $<HTMLProgressElement>('progress'), $<HTMLButtonElement>('start'), $<HTMLButtonElement>('cancel')]

$('greet').addEventListener('click', async () => {
  $('greeting').textContent = await window.api.greet($<HTMLInputElement>('name').value)
})

let run: ReturnType<typeof window.api.countTo> | undefined

start.addEventListener('click', async () => {
  run = window.api.countTo(40)
  ;[start.disabled, cancel.disabled, status.textContent, progress.value] = [true, false, 'Counting…', 0]
  try {
    for await (const step of run) [progress.value, progress.max] = [step.done, step.total]
    const summary = await run
    status.textContent = `Done: ${summary.total} steps in ${summary.ms} ms`
  } catch (e) {
    status.textContent = e instanceof Error && e.name === 'AbortError' ? 'Cancelled' : `Failed: ${String(e)}`
  } finally {
    ;[start.disabled, cancel.disabled] = [false, true]
  }
})

cancel.addEventListener('click', () => void run?.cancel())
