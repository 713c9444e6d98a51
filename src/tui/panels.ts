/**
 * What each panel shows, as lines of text with a tone: pure functions of the data and the screen state, cut to the
 * rows they are given, so the frame never outgrows the terminal (an Ink frame taller than the terminal is redrawn
 * from the top on every change: the flicker of vadimdemedes/ink#359).
 */
import type { Retrieved } from '../storage/context-store.js'
import type { HopsReport } from '../temporal/decisions.js'
import type { InfluenceRow } from '../temporal/graph.js'
import type { ClusterView, FeedEvent } from './backend.js'
import { PANEL_NAMES, filterMatcher, type PanelId, type UiState } from './model.js'

export type Tone = 'plain' | 'heading' | 'selected' | 'leader' | 'cut' | 'dim' | 'warn'
export interface Line { text: string, tone: Tone }

/** Everything the screens read: loaded by the app, replaced as events come. */
export interface ScreenData {
  mode: 'daemon' | 'local'
  home: string
  node: { id: string, role: string }
  clusterName: string
  roles: string[]
  cluster: ClusterView | null
  events: FeedEvent[]
  addresses: Array<{ address: string, kind: string }>
  retrieved: Retrieved | null
  decisions: InfluenceRow[]
  hops: HopsReport | null
  /** Why the last load failed, or the daemon went away. */
  problem: string | null
}

export const short = (id: string | null | undefined, n = 12): string => id == null ? 'none' : id.slice(0, n)
export const line = (text: string, tone: Tone = 'plain'): Line => ({ text, tone })
export const pad = (text: string, width: number): string => text.length >= width ? text.slice(0, width - 1) + ' ' : text + ' '.repeat(width - text.length)

export function ago (ms: number | null): string {
  if (ms === null) return 'never'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  return `${Math.round(ms / 60_000)} min`
}

const NO_DAEMON = (data: ScreenData): Line[] => [
  line('No daemon runs for this home, so there is no live view of the cluster.', 'warn'),
  line(`Start one with: bzzz-ctx --home ${data.home} node start`),
  line('Panels 3 (Context) and 4 (Decisions) read the home directly.')
]

function eventText (event: FeedEvent): string {
  switch (event.kind) {
    case 'election': return `election  term ${event.term}: this peer is ${event.state}, leader ${short(event.leader)}`
    case 'member': return `${(event.connected ? 'joined' : 'left').padEnd(9)} ${short(event.node)} (${event.role ?? 'role unknown'})`
    case 'request': return `accepted  ${event.id.slice(0, 8)} ${event.priority} ${event.address}`
    case 'completion': return `${event.status.padEnd(9)} ${event.id.slice(0, 8)} ${event.address}${event.error !== undefined ? `: ${event.error}` : ''}`
    case 'decision': return `decision  ${event.id}`
    case 'rejected': return `rejected  a ${event.what} from ${short(event.node)}: ${event.reason}`
    case 'lost': return `lost      ${event.count} events (this screen did not keep up)`
    case 'command': return `you       ${event.text}`
  }
}

function eventTime (event: FeedEvent): string {
  return event.at === undefined ? '--:--:--' : new Date(event.at).toISOString().slice(11, 19)
}

/** The selectable items of a panel, after its filter: what j/k move over and enter opens. */
export function panelItems (panel: PanelId, data: ScreenData, filter: string): string[] {
  const keep = filterMatcher(filter)
  switch (panel) {
    case 1: return (data.cluster?.peers ?? []).map(p => p.id).filter(id => keep(id + ' ' + (data.cluster?.peers.find(p => p.id === id)?.role ?? '')))
    case 2: return (data.cluster?.queue ?? []).filter(r => keep(`${r.id} ${r.state} ${r.priority} ${r.address}`)).map(r => r.id)
    case 3: return data.addresses.map(a => a.address).filter(keep)
    case 4: return data.decisions.filter(d => keep(`${d.id} ${d.title}`)).map(d => d.id)
    case 5: return data.events.map(e => `${eventTime(e)} ${eventText(e)}`).filter(keep)
  }
}

/** Shows `rows` of a list around the selection, the selected one marked. */
export function window (items: Line[], selected: number, rows: number): Line[] {
  if (rows <= 0) return []
  const start = Math.max(0, Math.min(selected - Math.floor(rows / 2), items.length - rows))
  return items.slice(start, start + rows)
}

export function marked (text: string, isSelected: boolean, tone: Tone = 'plain'): Line {
  return line(`${isSelected ? '>' : ' '} ${text}`, isSelected ? 'selected' : tone)
}

function clusterPanel (data: ScreenData, ui: UiState, rows: number): Line[] {
  const cluster = data.cluster
  if (cluster === null) return NO_DAEMON(data)
  const ids = panelItems(1, data, ui.filter[1])
  const head = [
    line(`term ${cluster.term}   leader ${cluster.leader === null ? 'none' : cluster.leader === cluster.node.id ? `${short(cluster.leader)} (this peer)` : short(cluster.leader)}   this peer ${short(cluster.node.id)} (${cluster.node.role}) is ${cluster.state}`),
    line(`  ${pad('peer', 16)}${pad('role', 11)}${pad('state', 11)}${pad('since', 10)}${pad('last heard', 12)}${pad('log', 8)}lag`, 'heading')
  ]
  const now = Date.now()
  const body = ids.map((id, i) => {
    const p = cluster.peers.find(peer => peer.id === id)!
    const state = id === cluster.leader ? 'leader' : p.connected ? 'connected' : 'cut off'
    const since = p.since === null ? '-' : ago(now - p.since)
    const text = `${pad(short(id) + (id === cluster.leader ? ' *' : ''), 16)}${pad(p.role ?? '?', 11)}${pad(state, 11)}${pad(since, 10)}${pad(ago(p.lastContactMs), 12)}${pad(String(p.logLength), 8)}${p.lag}`
    return marked(text, i === ui.selected[1], id === cluster.leader ? 'leader' : p.connected ? 'plain' : 'cut')
  })
  if (body.length === 0) body.push(line('  no other peer known yet'))
  return [...head, ...window(body, ui.selected[1], rows - head.length)]
}

function queuePanel (data: ScreenData, ui: UiState, rows: number): Line[] {
  const cluster = data.cluster
  if (cluster === null) return NO_DAEMON(data)
  const c = cluster.counts
  const head = [
    line(`queued ${c.queued}  active ${c.active}  completed ${c.completed}  failed ${c.failed}  superseded ${c.superseded}  rate ${c.ratePerSecond.toFixed(2)}/s  leader ${short(c.leader)}`),
    line(`  ${pad('request', 10)}${pad('state', 11)}${pad('priority', 10)}${pad('age', 8)}${pad('requester', 14)}address`, 'heading')
  ]
  const ids = panelItems(2, data, ui.filter[2])
  const rowsOf = ids.map((id, i) => {
    const r = cluster.queue.find(row => row.id === id)!
    return marked(`${pad(id.slice(0, 8), 10)}${pad(r.state, 11)}${pad(r.priority, 10)}${pad(ago(r.ageMs), 8)}${pad(short(r.requester), 14)}${r.address}`, i === ui.selected[2], r.state === 'failed' ? 'warn' : 'plain')
  })
  if (rowsOf.length === 0) rowsOf.push(line('  the queue is empty'))
  const chosen = cluster.queue.find(row => row.id === ids[ui.selected[2]])
  const detail: Line[] = []
  if (ui.open[2] && chosen !== undefined) {
    detail.push(line(`request ${chosen.id}, term ${chosen.term}, from ${short(chosen.requester, 16)}`, 'heading'))
    detail.push(line(`files: ${chosen.address}${chosen.readers !== undefined ? `  (sealed for ${chosen.readers.join(', ')})` : ''}`))
    const outcome = chosen.error !== undefined ? `failed: ${chosen.error}` : chosen.supersededBy !== undefined ? `superseded by ${chosen.supersededBy}` : chosen.waitingFor !== undefined ? `waits for a leader holding ${chosen.waitingFor.join(' or ')}` : chosen.state
    detail.push(line(`outcome: ${outcome}`, chosen.state === 'failed' ? 'warn' : 'plain'))
  }
  return [...head, ...window(rowsOf, ui.selected[2], rows - head.length - detail.length), ...detail]
}

function retrievedLines (r: Retrieved): Line[] {
  const c = r.context
  const lines = [line(`${r.address} as ${r.role} (${r.kind})`, 'heading')]
  if (c.summary !== undefined) lines.push(line(`summary: ${c.summary}`))
  if (c.purpose !== undefined) lines.push(line(`purpose: ${c.purpose}`))
  if (c.language !== undefined) lines.push(line(`language: ${c.language}`))
  if (c.technologies !== undefined) lines.push(line(`technologies: ${c.technologies.join(', ')}`))
  if (c.symbols !== undefined && c.symbols.length > 0) lines.push(line(`symbols: ${c.symbols.slice(0, 12).map(s => `${s.name} (${s.kind})`).join(', ')}${c.symbols.length > 12 ? ` and ${c.symbols.length - 12} more` : ''}`))
  if (c.imports !== undefined && c.imports.length > 0) lines.push(line(`imports: ${c.imports.join(', ')}`))
  for (const insight of c.insights ?? []) lines.push(line(`insight (${insight.role ?? insight.level ?? '-'}): ${insight.text}`))
  lines.push(line(`resolved from: ${r.resolvedFrom.join(' < ')}`, 'dim'))
  for (const w of r.withheld) lines.push(line(`withheld: ${w.levels.join(', ')} at ${w.address}`, 'warn'))
  return lines
}

function contextPanel (data: ScreenData, ui: UiState, rows: number): Line[] {
  const head = [line(`reading as ${ui.role} (r switches among ${data.roles.join(', ')})   ${data.addresses.length} addresses`)]
  if (ui.open[3] && data.retrieved !== null) return [...head, ...retrievedLines(data.retrieved)].slice(0, rows)
  const items = panelItems(3, data, ui.filter[3])
  const body = items.map((address, i) => marked(address, i === ui.selected[3]))
  if (body.length === 0) body.push(line(data.addresses.length === 0 ? '  no context yet: bzzz-ctx generate PATH' : '  nothing matches the filter'))
  return [...head, ...window(body, ui.selected[3], rows - head.length)]
}

function decisionsPanel (data: ScreenData, ui: UiState, rows: number): Line[] {
  const order = ui.decisionOrder === 'recent' ? 'the most recent first' : 'ranked by the addresses they reach'
  const head = [line(`decisions as ${ui.role}, ${order} (o); enter follows up to ${ui.hopsMax} hops (+/-)`)]
  if (ui.open[4] && data.hops !== null) {
    const h = data.hops
    const hits = h.hits.map(hit => line(`${hit.hops} hop${hit.hops === 1 ? ' ' : 's'}  ${hit.title ?? hit.address ?? hit.id ?? ''}   via ${hit.path.join(' > ')}`))
    const tail = h.hidden > 0 ? [line(`${h.hidden} more within reach this role may not read`, 'warn')] : []
    return [...head, line(`within ${h.max} hops of ${h.start}: ${h.hits.length}`, 'heading'), ...hits, ...tail].slice(0, rows)
  }
  const ids = panelItems(4, data, ui.filter[4])
  const body = ids.map((id, i) => {
    const d = data.decisions.find(x => x.id === id)!
    const when = new Date(d.at).toISOString().slice(0, 16).replace('T', ' ')
    return marked(`${pad(when, 17)}${pad(id, 18)}${pad(String(d.addresses), 5)}${d.title}`, i === ui.selected[4])
  })
  if (body.length === 0) body.push(line('  no decisions yet: bzzz-ctx decide ADDRESS --title T --rationale R'))
  return [...head, ...window(body, ui.selected[4], rows - head.length)]
}

function eventsPanel (data: ScreenData, ui: UiState, rows: number): Line[] {
  if (data.mode === 'local') return NO_DAEMON(data)
  const items = panelItems(5, data, ui.filter[5])
  if (items.length === 0) return [line('no events yet: they appear here as they happen')]
  // The newest at the bottom, as a log: the last rows that fit.
  return items.slice(-rows).map(text => line(text, /rejected|lost|failed|refused/.test(text) ? 'warn' : /election|left/.test(text) ? 'leader' : 'plain'))
}

const HELP: Record<PanelId, string[]> = {
  1: ['Cluster: every peer with its role, whether it is connected (cut off when', 'not), since when, when it was last heard from, its log length and lag.', '* marks the leader.'],
  2: ['Queue: requests by state, priority, age and requester, and the rate.', 'enter shows the selected request\'s files and outcome, esc hides them.'],
  3: ['Context: the project\'s addresses. enter reads the selected one as the', 'current role (r switches role): withheld sections with their level, and', 'the addresses it was resolved from. esc goes back to the list.'],
  4: ['Decisions: the most recent first, with their date (o ranks them by the', 'addresses they reach instead); enter shows what lies within N hops of the', 'selected one, with the path; + and - change N; r switches role.'],
  5: ['Events: elections, members joining and leaving, requests accepted and', 'completed, decisions, refused peers and frames, as they happen.']
}

export function helpLines (panel: PanelId, write: boolean): Line[] {
  return [
    line(`Help: ${PANEL_NAMES[panel]}`, 'heading'),
    ...HELP[panel].map(text => line(text)),
    line(''),
    line('1-5, tab: panels    j/k, arrows: move    enter: open    esc: back'),
    line('/: filter (a regex)    ?: this help    q: quit'),
    line(':retrieve ADDRESS [ROLE]    :hops ID [N]    :role ROLE    :quit'),
    line(`:generate PATH [PRIORITY]${write ? '' : ' (needs --write)'}    :elect resign ${write ? '(asks to confirm)' : '(needs --write)'}`),
    line(''),
    line('any key closes this help', 'dim')
  ]
}

export function panelLines (panel: PanelId, data: ScreenData, ui: UiState, rows: number): Line[] {
  const lines = panel === 1 ? clusterPanel(data, ui, rows) : panel === 2 ? queuePanel(data, ui, rows) : panel === 3 ? contextPanel(data, ui, rows)
    : panel === 4 ? decisionsPanel(data, ui, rows) : eventsPanel(data, ui, rows)
  return lines.slice(0, rows)
}

/** The rows a panel's body has in a frame of `size`: the frame less its header, tabs and bar. */
export function bodyRowsOf (size: { columns: number, rows: number }): number {
  return Math.max(4, size.rows - 1) - 3
}

/** The tabs line: the panels by number and name, the focused one in brackets, and its filter. */
export function tabsLine (names: Record<PanelId, string>, ui: UiState): Line {
  return line(([1, 2, 3, 4, 5] as PanelId[]).map(p => p === ui.panel ? `[${p} ${names[p]}]` : ` ${p} ${names[p]} `).join(' ') +
    (ui.filter[ui.panel] !== '' && ui.mode !== 'filter' ? `   filter /${ui.filter[ui.panel]}` : ''))
}

/**
 * The frame both the cluster's and the simulator's screens draw: header, tabs, the body filled to its rows, the bar
 * (the filter or command being typed, else `status`); `rows - 1` lines and `columns - 1` characters at the most.
 */
export function frameLines (parts: { header: Line, tabs: Line, body: Line[], status: Line }, ui: UiState, size: { columns: number, rows: number }): Line[] {
  const bodyRows = bodyRowsOf(size)
  const body = parts.body.slice(0, bodyRows)
  const bar = ui.mode === 'filter' ? line(`/${ui.input}`) : ui.mode === 'command' ? line(`:${ui.input}`)
    : ui.mode === 'confirm' ? line(ui.pending?.question ?? '', 'warn') : parts.status
  const filler = Array.from({ length: Math.max(0, bodyRows - body.length) }, () => line(''))
  const width = Math.max(10, size.columns - 1)
  return [parts.header, parts.tabs, ...body, ...filler, bar].map(l => ({ ...l, text: l.text.length > width ? l.text.slice(0, width - 1) + '…' : l.text }))
}

/** The whole frame, `rows` lines at most, each at most `columns - 1` characters: header, tabs, panel, bar. */
export function screenLines (data: ScreenData, ui: UiState, size: { columns: number, rows: number }, write: boolean): Line[] {
  const leader = data.cluster === null ? (data.mode === 'local' ? 'no daemon' : 'loading') : `leader ${short(data.cluster.leader)} term ${data.cluster.term}`
  const header = line(`bzzz-ctx ${data.clusterName}  ${short(data.node.id)} (${data.node.role})  ${leader}  ${write ? 'WRITE' : 'read-only'}`, 'heading')
  const bodyRows = bodyRowsOf(size)
  const body = ui.mode === 'help' ? helpLines(ui.panel, write) : panelLines(ui.panel, data, ui, bodyRows)
  const status = data.problem !== null ? line(data.problem, 'warn')
    : ui.message !== null ? line(ui.message)
      : line('? help  1-5 panels  / filter  : command  q quit', 'dim')
  return frameLines({ header, tabs: tabsLine(PANEL_NAMES, ui), body, status }, ui, size)
}
