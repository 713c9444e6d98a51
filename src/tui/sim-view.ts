/**
 * `sim --tui`'s screen, pure: the simulator's events (sim/events.ts) folded into what a watcher sees, and the lines of
 * its five panels (peers, the nemesis, leaders per term, acknowledged writes, checkers) in the frame the cluster's
 * screen draws. No I/O and no clock here: the same events give the same frame.
 */
import type { LiveCheck, SimEvent, SimPhase } from '../../sim/events.js'
import type { AppliedFault } from '../../sim/nemesis.js'
import type { SimReport } from '../../sim/report.js'
import { filterMatcher, type PanelId, type UiState } from './model.js'
import { bodyRowsOf, frameLines, line, marked, pad, tabsLine, window, type Line } from './panels.js'

export const SIM_PANEL_NAMES: Record<PanelId, string> = { 1: 'Peers', 2: 'Nemesis', 3: 'Leaders', 4: 'Writes', 5: 'Checks' }

export interface SimPeerView { name: string, role: string, up: boolean, term: number, state: string }
export interface SimWrite { atMs: number, kind: 'ack' | 'accept' | 'generated', node: string, address: string, records?: number }

export interface SimView {
  seed: number | null
  scenario: string
  mode: string
  durationMs: number
  phase: SimPhase
  atMs: number
  peers: SimPeerView[]
  /** The cluster's leader now (a majority follows it), and its term. */
  leader: string | null
  term: number | null
  /** The links the nemesis keeps cut now, by name. */
  cut: Array<[string, string]>
  drop: number
  delayMs: number
  faults: AppliedFault[]
  /** The first peer to lead each term, in term order. */
  terms: Array<{ term: number, leader: string, atMs: number }>
  writes: SimWrite[]
  checks: LiveCheck[]
  report: SimReport | null
}

export function emptySimView (): SimView {
  return {
    seed: null, scenario: '', mode: '', durationMs: 0, phase: 'starting', atMs: 0, peers: [], leader: null, term: null,
    cut: [], drop: 0, delayMs: 0, faults: [], terms: [], writes: [], checks: [], report: null
  }
}

/** Writes the screen keeps (a run's probe and workload stay far below it). */
export const SIM_WRITES_KEPT = 1_000

function withPeer (view: SimView, name: string, change: (peer: SimPeerView) => SimPeerView): SimPeerView[] {
  return view.peers.map(peer => peer.name === name ? change(peer) : peer)
}

function foldFault (view: SimView, fault: AppliedFault): SimView {
  const faults = [...view.faults, fault]
  if (fault.kind.startsWith('partition')) return { ...view, faults, cut: fault.cut ?? [] }
  if (fault.kind === 'heal') return { ...view, faults, cut: [], drop: 0, delayMs: 0 }
  if (fault.kind === 'drop') return { ...view, faults, drop: fault.percent ?? 0 }
  if (fault.kind === 'delay') return { ...view, faults, delayMs: fault.ms ?? 0 }
  return { ...view, faults }
}

/** The view after one event. */
export function foldSim (view: SimView, event: SimEvent): SimView {
  switch (event.kind) {
    case 'start':
      return {
        ...emptySimView(), seed: event.seed, scenario: event.scenario, mode: event.mode, durationMs: event.durationMs,
        peers: event.peers.map(p => ({ name: p.name, role: p.role, up: false, term: 0, state: 'down' })),
        checks: event.checks.map(name => ({ name, state: 'pending', detail: 'not judged yet' }))
      }
    case 'phase':
      // The liveness phase begins with every fault healed (crashed peers stay down).
      return event.phase === 'liveness' ? { ...view, phase: event.phase, atMs: event.atMs, cut: [], drop: 0, delayMs: 0 } : { ...view, phase: event.phase, atMs: Math.max(view.atMs, event.atMs) }
    case 'peer':
      return { ...view, atMs: event.atMs, peers: withPeer(view, event.node, p => ({ ...p, up: event.up, state: event.up ? 'follower' : 'down' })) }
    case 'election': {
      const peers = withPeer(view, event.node, p => ({ ...p, term: event.term, state: event.state }))
      const known = view.terms.some(t => t.term === event.term)
      const terms = event.state !== 'leader' || known ? view.terms
        : [...view.terms, { term: event.term, leader: event.node, atMs: event.atMs }].sort((a, b) => a.term - b.term)
      return { ...view, atMs: Math.max(view.atMs, event.atMs), peers, terms }
    }
    case 'leader': return { ...view, atMs: event.atMs, leader: event.leader, term: event.term ?? view.term }
    case 'fault': return foldFault({ ...view, atMs: Math.max(view.atMs, event.fault.atMs) }, event.fault)
    case 'ack': case 'accept':
      return { ...view, writes: [...view.writes, { atMs: event.atMs, kind: event.kind, node: event.node, address: event.address }].slice(-SIM_WRITES_KEPT) }
    case 'generated':
      return { ...view, writes: [...view.writes, { atMs: event.atMs, kind: 'generated' as const, node: event.node, address: event.address, records: event.records }].slice(-SIM_WRITES_KEPT) }
    case 'time': return { ...view, atMs: event.atMs }
    case 'checks': return { ...view, checks: event.checks }
    case 'report': return { ...view, report: event.report }
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** The peers each one is cut from now, by name. */
function cutFrom (view: SimView, name: string): string[] {
  return view.cut.flatMap(([a, b]) => a === name ? [b] : b === name ? [a] : [])
}

function faultText (fault: AppliedFault): string {
  const targets = fault.targets.length > 0 ? ` ${fault.targets.join(', ')}` : ''
  const extra = fault.cut !== undefined ? `: ${fault.cut.length} links cut` : fault.percent !== undefined ? ` ${fault.percent}%` : fault.ms !== undefined ? ` ${fault.ms} ms` : ''
  return `${pad(seconds(fault.atMs), 9)}${fault.kind}${targets}${extra}`
}

function writeText (write: SimWrite): string {
  const what = write.kind === 'ack' ? 'acked' : write.kind === 'accept' ? 'accepted' : `generated ${write.records ?? 0} records`
  return `${pad(seconds(write.atMs), 9)}${pad(write.node, 5)}${pad(what, 22)}${write.address}`
}

function checkText (check: LiveCheck): string {
  return `${pad(check.name, 19)}${pad(check.state === 'violated' ? 'VIOLATED' : check.state, 9)}${check.detail}`
}

/** The selectable items of a sim panel, after its filter: what j/k move over. */
export function simItems (panel: PanelId, view: SimView, filter: string): string[] {
  const keep = filterMatcher(filter)
  switch (panel) {
    case 1: return view.peers.filter(p => keep(`${p.name} ${p.role} ${p.state}`)).map(p => p.name)
    case 2: return view.faults.map(faultText).filter(keep)
    case 3: return view.terms.map(t => `term ${t.term}: ${t.leader}`).filter(keep)
    case 4: return view.writes.map(writeText).filter(keep)
    case 5: return view.checks.map(checkText).filter(keep)
  }
}

function peersPanel (view: SimView, ui: UiState, rows: number): Line[] {
  const head = [
    line(`${view.peers.filter(p => p.up).length} of ${view.peers.length} up   leader ${view.leader ?? 'none'}${view.term !== null ? ` (term ${view.term})` : ''}`),
    line(`  ${pad('peer', 7)}${pad('role', 11)}${pad('up', 6)}${pad('state', 14)}${pad('term', 6)}cut off from`, 'heading')
  ]
  const names = simItems(1, view, ui.filter[1])
  const body = names.map((name, i) => {
    const p = view.peers.find(peer => peer.name === name)!
    const cut = cutFrom(view, name)
    const tone = !p.up ? 'cut' : name === view.leader ? 'leader' : cut.length > 0 ? 'warn' : 'plain'
    return marked(`${pad(name + (name === view.leader ? ' *' : ''), 7)}${pad(p.role, 11)}${pad(p.up ? 'up' : 'DOWN', 6)}${pad(p.up ? p.state : '-', 14)}${pad(String(p.term), 6)}${cut.join(' ') || '-'}`,
      i === ui.selected[1], tone)
  })
  if (body.length === 0) body.push(line('  the peers are being created'))
  return [...head, ...window(body, ui.selected[1], rows - head.length)]
}

function nemesisPanel (view: SimView, ui: UiState, rows: number): Line[] {
  const split = view.cut.length === 0 ? 'no partition' : `${view.cut.length} links cut: ${view.cut.map(([a, b]) => `${a}-${b}`).join(' ')}`
  const head = [
    line(`now: ${split}${view.drop > 0 ? `, ${view.drop}% dropped` : ''}${view.delayMs > 0 ? `, ${view.delayMs} ms delay` : ''}`, view.cut.length > 0 ? 'warn' : 'plain'),
    line(`  ${pad('at', 9)}fault applied`, 'heading')
  ]
  const body = simItems(2, view, ui.filter[2]).map((text, i) => marked(text, i === ui.selected[2]))
  if (body.length === 0) body.push(line('  no fault applied yet'))
  return [...head, ...window(body, ui.selected[2], rows - head.length)]
}

function leadersPanel (view: SimView, ui: UiState, rows: number): Line[] {
  const head = [
    line(`${view.terms.length} terms with a leader; now ${view.leader === null ? 'no leader a majority follows' : `${view.leader} leads term ${view.term ?? '?'}`}`, view.leader === null ? 'warn' : 'plain'),
    line(`  ${pad('term', 7)}${pad('leader', 8)}elected at`, 'heading')
  ]
  const items = simItems(3, view, ui.filter[3])
  const body = items.map((text, i) => {
    const term = view.terms.find(t => `term ${t.term}: ${t.leader}` === text)!
    return marked(`${pad(String(term.term), 7)}${pad(term.leader, 8)}${seconds(term.atMs)}`, i === ui.selected[3], term.leader === view.leader && term.term === view.term ? 'leader' : 'plain')
  })
  if (body.length === 0) body.push(line('  no leader elected yet'))
  return [...head, ...window(body, ui.selected[3], rows - head.length)]
}

function writesPanel (view: SimView, ui: UiState, rows: number): Line[] {
  const count = (kind: SimWrite['kind']): number => view.writes.filter(w => w.kind === kind).length
  const head = [
    line(`${count('ack')} writes acknowledged, ${count('accept')} generate requests accepted, ${count('generated')} completed`),
    line(`  ${pad('at', 9)}${pad('by', 5)}${pad('what', 22)}address`, 'heading')
  ]
  const items = simItems(4, view, ui.filter[4])
  // The newest at the bottom, as a log, unless the person moved the selection up.
  const selected = ui.selected[4] === 0 ? items.length - 1 : ui.selected[4]
  const body = items.map((text, i) => marked(text, ui.selected[4] !== 0 && i === selected))
  if (body.length === 0) body.push(line('  nothing acknowledged yet'))
  return [...head, ...window(body, selected, rows - head.length)]
}

function checksPanel (view: SimView, ui: UiState, rows: number): Line[] {
  const verdict = view.report === null ? 'holding: judged on the events so far; pending: judged at the end of the run'
    : view.report.ok ? 'every check held' : 'a check was VIOLATED'
  const head = [line(verdict, view.report !== null && !view.report.ok ? 'warn' : 'plain'), line(`  ${pad('checker', 19)}${pad('state', 9)}detail`, 'heading')]
  const body = simItems(5, view, ui.filter[5]).map((text, i) => marked(text, i === ui.selected[5], /VIOLATED/.test(text) ? 'cut' : /held|holding/.test(text) ? 'leader' : 'plain'))
  if (body.length === 0) body.push(line('  no checker named'))
  return [...head, ...window(body, ui.selected[5], rows - head.length)]
}

const SIM_HELP: Record<PanelId, string[]> = {
  1: ['Peers: each simulated peer, its role, up or crashed, its election state and', 'term, and the peers the nemesis cut it from. * marks the leader.'],
  2: ['Nemesis: the partition in force now, and every fault applied, in order', '(the same seed applies the same faults).'],
  3: ['Leaders: the first peer to lead each term, and when it was elected.'],
  4: ['Writes: every acknowledged write, accepted generate and completed generate,', 'the newest at the bottom.'],
  5: ['Checks: each checker as the run stands. election-safety and one-vote-per-term', 'judge every event as it comes; the others judge what each peer holds once', 'the run is over.']
}

export function simHelpLines (panel: PanelId): Line[] {
  return [
    line(`Help: ${SIM_PANEL_NAMES[panel]}`, 'heading'),
    ...SIM_HELP[panel].map(text => line(text)),
    line(''),
    line('1-5, tab: panels    j/k, arrows: move    / filter (a regex)    ? this help'),
    line('q: quit (stops the run if it still goes; the report is printed after the screen)'),
    line(''),
    line('any key closes this help', 'dim')
  ]
}

function simPanelLines (panel: PanelId, view: SimView, ui: UiState, rows: number): Line[] {
  const lines = panel === 1 ? peersPanel(view, ui, rows) : panel === 2 ? nemesisPanel(view, ui, rows) : panel === 3 ? leadersPanel(view, ui, rows)
    : panel === 4 ? writesPanel(view, ui, rows) : checksPanel(view, ui, rows)
  return lines.slice(0, rows)
}

/** The sim's whole frame, within the terminal's rows and columns. */
export function simScreenLines (view: SimView, ui: UiState, size: { columns: number, rows: number }): Line[] {
  // What changes first, so a narrow terminal cuts the scenario's name, not the leader. The scenario's duration is the
  // safety phase (its faults); the liveness phase and the checks follow it.
  const leader = `leader ${view.leader ?? 'none'}${view.term !== null ? ` term ${view.term}` : ''}`
  const header = line(`bzzz-ctx sim  t ${seconds(view.atMs)}  ${view.phase}  ${leader}  ${view.scenario} seed ${view.seed ?? '?'} (${view.mode}, faults until ${seconds(view.durationMs)})`, 'heading')
  const body = ui.mode === 'help' ? simHelpLines(ui.panel) : simPanelLines(ui.panel, view, ui, bodyRowsOf(size))
  const violated = view.checks.filter(c => c.state === 'violated').map(c => c.name)
  const status = view.report !== null
    ? line(`run over: ${view.report.ok ? 'every check held' : `VIOLATED: ${violated.join(', ')}`}; q quits and prints the report`, view.report.ok ? 'leader' : 'warn')
    : view.phase === 'stopped' ? line('stopping the run…', 'warn')
      : violated.length > 0 ? line(`VIOLATED: ${violated.join(', ')}`, 'warn')
        : ui.message !== null ? line(ui.message) : line('? help  1-5 panels  j/k move  / filter  q quit', 'dim')
  return frameLines({ header, tabs: tabsLine(SIM_PANEL_NAMES, ui), body, status }, ui, size)
}
