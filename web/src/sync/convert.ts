// Problem tree → objective tree inside a meeting. The server makes the new board (the
// meeting's import route) in the problem tree's room: it gets that room's access rules
// (no link alone opens it), appears in the tabs and the console, and is in the snapshots
// and the minutes. The conversion itself is the one the standalone page uses
// (`toObjectiveTree`).

import { Board } from '../model/board'
import type { BoardJSON } from '../model/schema'
import { toObjectiveTree } from '../model/templates'
import { t } from '../i18n'
import { apiPath, post } from './api'
import { BoardConnection } from './connection'

/** Makes the objective tree of problem tree `source` (read as `json`) in room `roomId`; returns the new board's id. */
export async function convertInMeeting (sessionId: string, roomId: string, source: string, json: BoardJSON): Promise<string> {
  const title = t('tree.objectiveTitle', { title: json.meta.title || t('kind.problem_tree') })
  const body = toObjectiveTree(json, { title, sourceBoard: source })
  const query = new URLSearchParams({ format: 'json', room: roomId, title })
  const made = await post<{ id: string }>(`${apiPath('sessions', sessionId, 'import')}?${query}`, body)
  return made.id
}

/** As `convertInMeeting`, for a board not open on this page (the console): reads it first. */
export async function convertBoardInMeeting (sessionId: string, roomId: string, source: string): Promise<string> {
  const conn = new BoardConnection(source, { persist: false })
  try {
    if (!await conn.ready(8000)) throw new Error(t('error.network'))
    return await convertInMeeting(sessionId, roomId, source, new Board(conn.doc, {}).toJSON())
  } finally {
    conn.destroy()
  }
}
