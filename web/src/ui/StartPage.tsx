import { useState } from 'preact/hooks'
import { t, tDynamic } from '../i18n'
import { BOARD_KINDS, type BoardKind } from '../model/schema'
import { boardIdFrom, navigate, newBoardId, recentBoards } from './router'
import { LangSwitch } from './LangSwitch'
import { typedInviteCode } from './inviteCode'

const CREATABLE = BOARD_KINDS.filter((k) => k !== 'objective_tree')

/** Joining a meeting with the short code the facilitator read out or wrote on the wall. */
function JoinByCode () {
  const [code, setCode] = useState('')
  const [bad, setBad] = useState(false)
  return (
    <form class="card-form" aria-labelledby="code-title" data-form="join-code" onSubmit={(e) => {
      e.preventDefault()
      const c = typedInviteCode(code)
      if (!c) { setBad(true); return }
      navigate(`/join/${c}`)
    }}>
      <h2 id="code-title">{t('start.codeTitle')}</h2>
      <label class="field">{t('start.code')}
        <input type="text" name="code" value={code} autoComplete="off" autoCapitalize="characters" spellcheck={false} maxLength={20} placeholder="ABCD-EFGH"
          aria-invalid={bad} aria-describedby={bad ? 'code-error' : undefined}
          onInput={(e) => { setCode((e.target as HTMLInputElement).value); setBad(false) }} />
      </label>
      {bad ? <p id="code-error" class="error" role="alert">{t('start.codeInvalid')}</p> : null}
      <button type="submit" class="primary">{t('start.codeSubmit')}</button>
    </form>
  )
}

export function StartPage () {
  const [kind, setKind] = useState<BoardKind>('free')
  const [title, setTitle] = useState('')
  const [open, setOpen] = useState('')
  const [openError, setOpenError] = useState(false)
  const recent = recentBoards()
  return (
    <div class="start">
      <header class="start-head">
        <h1>{t('app.name')}</h1>
        <p>{t('app.tagline')}</p>
        <a class="fac-link" href="/w" onClick={(e) => { e.preventDefault(); navigate('/w') }}>{t('start.facilitators')}</a>
        <LangSwitch />
      </header>
      <main>
        <JoinByCode />
        <form class="card-form" aria-labelledby="create-title" onSubmit={(e) => {
          e.preventDefault()
          const id = newBoardId()
          const q = new URLSearchParams({ new: kind, title: title.trim() || t(`kind.${kind}`) })
          navigate(`/b/${id}?${q}`)
        }}>
          <h2 id="create-title">{t('start.create')}</h2>
          <label class="field">{t('start.title')}
            <input type="text" name="title" value={title} maxLength={120} placeholder={t(`kind.${kind}`)} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
          </label>
          <fieldset class="kinds">
            <legend>{t('start.kind')}</legend>
            {CREATABLE.map((k) => (
              <label key={k} class={`kind${kind === k ? ' checked' : ''}`}>
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                <span class="kind-name">{t(`kind.${k}`)}</span>
                <span class="kind-help">{tDynamic(`kindHelp.${k}`)}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary">{t('start.submit')}</button>
        </form>
        <form class="card-form" aria-labelledby="open-title" onSubmit={(e) => {
          e.preventDefault()
          const id = boardIdFrom(open)
          if (!id) { setOpenError(true); return }
          navigate(`/b/${id}`)
        }}>
          <h2 id="open-title">{t('start.open')}</h2>
          <label class="field">{t('start.openLabel')}
            <input type="text" name="board" value={open} aria-invalid={openError} aria-describedby={openError ? 'open-error' : undefined}
              onInput={(e) => { setOpen((e.target as HTMLInputElement).value); setOpenError(false) }} />
          </label>
          {openError ? <p id="open-error" class="error" role="alert">{t('start.openInvalid')}</p> : null}
          <button type="submit">{t('start.openSubmit')}</button>
          <h3>{t('start.recent')}</h3>
          {recent.length
            ? <ul class="recent">{recent.map((r) => <li key={r.id}><a href={`/b/${r.id}`} onClick={(e) => { e.preventDefault(); navigate(`/b/${r.id}`) }}>{r.title || r.id}</a> <span class="muted">— {tDynamic(`kind.${r.kind}`, r.kind)}</span></li>)}</ul>
            : <p class="muted">{t('start.noRecent')}</p>}
        </form>
      </main>
    </div>
  )
}
