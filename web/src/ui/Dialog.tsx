// A modal dialog (the native <dialog>: focus is trapped and Escape closes it), and a
// confirmation built on it for what cannot be undone.

import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n'

let counter = 0

export function Modal ({ title, onClose, children, wide = false }: { title: string, onClose: () => void, children: ComponentChildren, wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null)
  const [id] = useState(() => `dlg-${++counter}`)
  const opener = useRef<Element | null>(typeof document !== 'undefined' ? document.activeElement : null)
  const close = useRef(onClose)
  close.current = onClose
  useEffect(() => {
    const d = ref.current!
    if (!d.open) d.showModal()
    const onCancel = (e: Event) => { e.preventDefault(); close.current() }
    d.addEventListener('cancel', onCancel)
    return () => {
      d.removeEventListener('cancel', onCancel)
      // focus goes back where it was
      const back = opener.current as HTMLElement | null
      if (back && document.contains(back)) back.focus?.()
    }
  }, [])
  return (
    <dialog ref={ref} class={`modal${wide ? ' wide' : ''}`} aria-labelledby={id}>
      <div class="modal-head">
        <h2 id={id}>{title}</h2>
        <button type="button" class="small" onClick={onClose}>{t('help.close')}</button>
      </div>
      {children}
    </dialog>
  )
}

export function Confirm ({ title, message, confirmLabel, danger = false, onConfirm, onCancel }: {
  title: string, message: ComponentChildren, confirmLabel: string, danger?: boolean, onConfirm: () => void | Promise<void>, onCancel: () => void
}) {
  const [busy, setBusy] = useState(false)
  return (
    <Modal title={title} onClose={onCancel}>
      <div class="confirm-body">{message}</div>
      <div class="actions confirm-actions">
        <button type="button" onClick={onCancel}>{t('common.cancel')}</button>
        <button type="button" class={danger ? 'danger-solid' : 'primary'} data-action="confirm" disabled={busy}
          onClick={async () => { setBusy(true); try { await onConfirm() } finally { setBusy(false) } }}>{confirmLabel}</button>
      </div>
    </Modal>
  )
}
