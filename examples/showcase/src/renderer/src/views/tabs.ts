import { h } from '../dom'

export interface Tab {
  id: string
  label: string
  panel: HTMLElement
}

/**
 * A tab bar over `tabs`' panels. The URL's hash names the open tab (`#beyond`), so a reload or a link keeps
 * it; no hash opens the first. Returns the bar: place the panels yourself.
 */
export function tabBar(tabs: Tab[]): HTMLElement {
  const buttons = tabs.map((tab) => {
    tab.panel.id = `panel-${tab.id}`
    tab.panel.setAttribute('role', 'tabpanel')
    tab.panel.setAttribute('aria-labelledby', `tab-${tab.id}`)
    return h(
      'button',
      {
        class: 'tab',
        role: 'tab',
        id: `tab-${tab.id}`,
        'aria-controls': `panel-${tab.id}`,
        'data-testid': `tab-${tab.id}`,
        onclick: () => {
          location.hash = tab.id
          select(tab.id)
        },
      },
      tab.label,
    )
  })
  const select = (id: string) => {
    tabs.forEach((tab, i) => {
      const on = tab.id === id
      buttons[i]!.setAttribute('aria-selected', String(on))
      tab.panel.hidden = !on
    })
  }
  const fromHash = () => select(tabs.find((t) => `#${t.id}` === location.hash)?.id ?? tabs[0]!.id)
  window.addEventListener('hashchange', fromHash)
  fromHash()
  return h('nav', { class: 'tabs', role: 'tablist' }, ...buttons)
}
