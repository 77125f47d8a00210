import { useState } from 'preact/hooks'
import { t } from '../i18n'

/**
 * Asks the display name. With `onCancel` it can be left as it was (Escape or the cancel
 * button); `error` says why the last name was not taken.
 */
export function NameDialog ({ initial, onDone, onCancel, error }: {
  initial?: string, onDone: (name: string) => void, onCancel?: () => void, error?: string | null
}) {
  const [name, setName] = useState(initial ?? '')
  return (
    <div class="modal-backdrop" onKeyDown={(e) => { if (e.key === 'Escape' && onCancel) { e.stopPropagation(); onCancel() } }}>
      <div role="dialog" aria-modal="true" aria-labelledby="name-title">
      <form class="card-form name-dialog"
        onSubmit={(e) => { e.preventDefault(); if (name.trim()) onDone(name.trim()) }}>
        <h2 id="name-title">{t('name.title')}</h2>
        <p>{t('name.help')}</p>
        <label class="field">{t('name.label')}
          <input type="text" name="name" value={name} maxLength={80} autoFocus required autoComplete="nickname" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <div class="actions">
          <button type="submit" class="primary">{t('name.submit')}</button>
          {onCancel ? <button type="button" onClick={onCancel}>{t('name.cancel')}</button> : null}
        </div>
      </form>
      </div>
    </div>
  )
}
