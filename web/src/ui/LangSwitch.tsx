import { getLang, setLang, t } from '../i18n'
import { useLang } from './hooks'

export function LangSwitch () {
  useLang()
  const other = getLang() === 'it' ? 'en' : 'it'
  return (
    // The visible name is the accessible name (WCAG 2.5.3, label in name); what it does is
    // its description.
    <button type="button" class="lang" lang={other} title={t('lang.switchLabel')} onClick={() => setLang(other)}>
      {t('lang.switch')}
    </button>
  )
}
