import { useEffect, useState } from 'preact/hooks'
import { lazy, Suspense } from 'preact/compat'
import { t } from '../i18n'
import { useLang } from '../ui/hooks'
import { onNavigate, parseRoute, type Route } from '../ui/router'
import { StartPage } from '../ui/StartPage'
import { JoinPage } from '../ui/JoinPage'
import { BoardPage } from './BoardPage'
import { SessionPage } from './SessionPage'

// The facilitator's pages load on demand: participants on a municipal network download
// only the board and the meeting.
const SetupPage = lazy(() => import('../ui/Account').then((m) => ({ default: m.SetupPage })))
const LoginPage = lazy(() => import('../ui/Account').then((m) => ({ default: m.LoginPage })))
const HomePage = lazy(() => import('../ui/HomePage').then((m) => ({ default: m.HomePage })))
const WorkspacePage = lazy(() => import('../ui/HomePage').then((m) => ({ default: m.WorkspacePage })))

export function App () {
  useLang()
  const [route, setRoute] = useState(() => parseRoute(location.pathname))
  useEffect(() => onNavigate(() => setRoute(parseRoute(location.pathname))), [])
  useEffect(() => { if (route.page === 'start' || route.page === 'invalid') document.title = t('app.name') }, [route])
  return <Suspense fallback={<p class="loading" role="status">{t('meeting.loading')}</p>}><Page route={route} /></Suspense>
}

function Page ({ route }: { route: Route }) {
  switch (route.page) {
    case 'board': return <BoardPage key={route.boardId} boardId={route.boardId} />
    case 'invalid': return <main class="start"><h1>{t('app.name')}</h1><p role="alert">{t('board.invalidId')}</p><p><a href="/">{t('board.home')}</a></p></main>
    case 'setup': return <SetupPage token={route.token} />
    case 'login': return <LoginPage />
    case 'home': return <HomePage />
    case 'workspace': return <WorkspacePage key={route.workspaceId} workspaceId={route.workspaceId} />
    case 'join': return <JoinPage token={route.token} />
    case 'session': return <SessionPage key={route.sessionId} sessionId={route.sessionId} boardId={route.boardId} />
    default: return <StartPage />
  }
}
