import { useEffect, useRef } from 'preact/hooks'
import { COMMANDS, KEY_WORDS } from '../editor/commands'
import { t, type MessageKey } from '../i18n'

function keyLabel (k: string): string {
  return k.split('+').map((part) => ((KEY_WORDS as readonly string[]).includes(part) ? t(`key.${part}` as MessageKey) : part)).join(' + ')
}

/** The keyboard shortcuts, from the command table itself, in a modal dialog. */
export function HelpPanel ({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current!
    if (!d.open) d.showModal()
    const onCancel = (e: Event) => { e.preventDefault(); onClose() }
    d.addEventListener('cancel', onCancel)
    return () => d.removeEventListener('cancel', onCancel)
  }, [onClose])
  const groups: Array<['tools' | 'edit' | 'view', MessageKey]> = [['tools', 'help.tools'], ['edit', 'help.edit'], ['view', 'help.view']]
  return (
    <dialog ref={ref} class="help" aria-labelledby="help-title">
      <h2 id="help-title">{t('help.title')}</h2>
      <div class="help-cols">
        {groups.map(([g, label]) => (
          <section key={g}>
            <h3>{t(label)}</h3>
            <dl>
              {COMMANDS.filter((c) => c.group === g).map((c) => (
                <div key={c.id} class="help-row"><dt>{c.keys.map((k, i) => <span key={i}>{i ? ' / ' : ''}<kbd>{keyLabel(k)}</kbd></span>)}</dt><dd>{t(c.label)}</dd></div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <button type="button" class="primary" onClick={onClose} autoFocus>{t('help.close')}</button>
    </dialog>
  )
}
