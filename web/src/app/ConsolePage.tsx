// The facilitator's console for one meeting: who is present and where, who is in which call and who speaks, the members (each
// of whom may be removed), the plenary's boards, invitations, breakout groups (spawn, assign by drag and drop or by keyboard,
// start, visit, call back, gather), the closed votes' results, the timer everyone sees, a
// broadcast message (sent, replaced, withdrawn), and closing the meeting.

import { t } from '../i18n'
import type { ControlChannel } from '../sync/control'
import type { SessionView } from '../sync/session'
import { FacilitatorHeader } from '../ui/Account'
import { CallsPanel, ClosePanel, GroupsPanel, InvitesPanel, MembersPanel, MessageForm, PresentPanel, RoomsPanel, TimerControls, VoteResultsPanel } from '../ui/Console'
import { formatDate } from '../ui/HomePage'

export function ConsolePage ({ view, control }: { view: SessionView, control: ControlChannel }) {
  return (
    <div class="fac-page console" data-session={view.id}>
      <FacilitatorHeader trail={[
        { label: t('home.title'), href: '/w' },
        { label: view.workspace.name, href: `/w/${view.workspace.id}` },
        { label: view.title }
      ]} />
      <main class="console-main">
        <div class="console-title">
          <h1>{view.title}</h1>
          <span class="muted">{formatDate(view.date)}</span>
          {view.closed ? <span class="role-badge closed">{t('meeting.closedBadge')}</span> : null}
          <span class={`phase-badge phase-${view.state.phase}`}>{view.state.phase === 'breakout' ? t('phase.breakout') : t('phase.plenary')}</span>
          {control.status !== 'open' ? <span class="badge" role="status">{t('conn.reconnecting')}</span> : null}
        </div>
        <div class="console-strip">
          {view.closed ? null : <TimerControls view={view} control={control} />}
          <MessageForm view={view} />
        </div>
        <div class="console-grid">
          <div class="col-main">
            <GroupsPanel view={view} />
            <RoomsPanel view={view} control={control} />
            <VoteResultsPanel view={view} />
          </div>
          <div class="col-side">
            <PresentPanel view={view} />
            <CallsPanel view={view} />
            <MembersPanel view={view} />
            <InvitesPanel view={view} />
            <ClosePanel view={view} />
          </div>
        </div>
      </main>
    </div>
  )
}
