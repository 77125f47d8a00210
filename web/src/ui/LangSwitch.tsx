import { getLang, setLang, t } from '../i18n'
import { useLang } from './hooks'

export function LangSwitch () {
  useLang()
  const other = getLang() === 'it' ? 'en' : 'it'
  return (
    <button type="button" class="lang" lang={other} aria-label={t('lang.switchLabel')} onClick={() => setLang(other)}>
      {t('lang.switch')}
    </button>
  )
}
