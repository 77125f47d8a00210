import { useState } from 'preact/hooks'
import { t } from '../i18n'

export function NameDialog ({ initial, onDone }: { initial?: string, onDone: (name: string) => void }) {
  const [name, setName] = useState(initial ?? '')
  return (
    <div class="modal-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="name-title">
      <form class="card-form name-dialog"
        onSubmit={(e) => { e.preventDefault(); if (name.trim()) onDone(name.trim()) }}>
        <h2 id="name-title">{t('name.title')}</h2>
        <p>{t('name.help')}</p>
        <label class="field">{t('name.label')}
          <input type="text" name="name" value={name} maxLength={40} autoFocus required autoComplete="nickname" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">{t('name.submit')}</button>
      </form>
      </div>
    </div>
  )
}
