import './sluice'
import { aboutView } from './views/about-view'
import { mainView } from './views/main-view'

const view = new URLSearchParams(location.search).get('view')
document.title = view === 'about' ? 'About sluice starter' : 'sluice starter'
document.getElementById('app')!.replaceChildren(view === 'about' ? aboutView() : mainView())
