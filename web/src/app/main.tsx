import { render } from 'preact'
import { initLang } from '../i18n'
import { installAudioUnlock } from '../ui/Timer'
import { App } from './App'
import './styles.css'

initLang()
installAudioUnlock()
render(<App />, document.getElementById('app')!)
