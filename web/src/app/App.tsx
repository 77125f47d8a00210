import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { useLang } from '../ui/hooks'
import { onNavigate, parseRoute } from '../ui/router'
import { StartPage } from '../ui/StartPage'
import { BoardPage } from './BoardPage'

export function App () {
  useLang()
  const [route, setRoute] = useState(() => parseRoute(location.pathname))
  useEffect(() => onNavigate(() => setRoute(parseRoute(location.pathname))), [])
  useEffect(() => { if (route.page !== 'board') document.title = t('app.name') }, [route])
  if (route.page === 'board') return <BoardPage key={route.boardId} boardId={route.boardId} />
  if (route.page === 'invalid') return <main class="start"><h1>{t('app.name')}</h1><p role="alert">{t('board.invalidId')}</p><p><a href="/">{t('board.home')}</a></p></main>
  return <StartPage />
}
