/**
 * The TUI's screen state and what each key does to it, pure: `press` takes a key and returns the next state and, when
 * the key asks for work (a retrieve, the hops of a decision, a resign), the action the app carries out. No I/O here,
 * so every key is tested without a terminal.
 */

import { PRIORITIES, type Priority } from '../storage/vocabulary.js'
import type { InfluenceOrder } from '../temporal/graph.js'

export type PanelId = 1 | 2 | 3 | 4 | 5
export const PANEL_NAMES: Record<PanelId, string> = { 1: 'Cluster', 2: 'Queue', 3: 'Context', 4: 'Decisions', 5: 'Events' }
const PANEL_IDS: PanelId[] = [1, 2, 3, 4, 5]

/** The hops panel 4 follows when none are asked for, and the most `+` reaches (the graph's own bound is higher). */
export const DEFAULT_HOPS = 2
export const MAX_TUI_HOPS = 10

export type Mode = 'normal' | 'filter' | 'command' | 'help' | 'confirm'

export type Action =
  | { type: 'quit' }
  | { type: 'retrieve', address: string, role: string }
  | { type: 'hops', target: string, role: string, max: number }
  | { type: 'resign' }
  | { type: 'generate', path: string, priority: Priority }
  | { type: 'refresh' }

export interface UiState {
  panel: PanelId
  selected: Record<PanelId, number>
  filter: Record<PanelId, string>
  /** Panels whose selected item is open (its detail shown), until esc. */
  open: Record<PanelId, boolean>
  mode: Mode
  /** What is typed in the filter or command bar. */
  input: string
  role: string
  hopsMax: number
  /** Panel 4's order: the most recent decisions first, or those reaching the most addresses (`o` switches). */
  decisionOrder: InfluenceOrder
  /** The action a `y` carries out in confirm mode, and what it is said to do. */
  pending: { action: Action, question: string } | null
  /** One line for the person: what a command did or why it was refused. */
  message: string | null
}

/** The key as ink reports it (the subset the TUI reads). */
export interface KeyPress {
  upArrow?: boolean
  downArrow?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  shift?: boolean
  ctrl?: boolean
  backspace?: boolean
  delete?: boolean
}

/** What `press` needs to know of the screen: how many items each panel lists now, the roles held, and `--write`. */
export interface PressContext {
  items: (panel: PanelId) => string[]
  roles: readonly string[]
  write: boolean
  /** Without a daemon, panels 1, 2 and 5 have nothing to show and resign cannot be asked. */
  daemon: boolean
}

const perPanel = <T>(value: T): Record<PanelId, T> => ({ 1: value, 2: value, 3: value, 4: value, 5: value })

export function initialState (role: string, daemon: boolean): UiState {
  return {
    panel: daemon ? 1 : 3, selected: perPanel(0), filter: perPanel(''), open: perPanel(false), mode: 'normal', input: '',
    role, hopsMax: DEFAULT_HOPS, decisionOrder: 'recent', pending: null, message: daemon ? null : 'no daemon runs: showing the home (panels 3, 4); start one with `bzzz-ctx node start`'
  }
}

/** A filter as a case-insensitive regular expression; text that is not one is matched as it is. */
export function filterMatcher (filter: string): (text: string) => boolean {
  if (filter === '') return () => true
  try {
    const pattern = new RegExp(filter, 'i')
    return text => pattern.test(text)
  } catch {
    const lower = filter.toLowerCase()
    return text => text.toLowerCase().includes(lower)
  }
}

type Result = { state: UiState, action?: Action }

function openAction (state: UiState, item: string | undefined): Action | undefined {
  if (item === undefined) return undefined
  if (state.panel === 3) return { type: 'retrieve', address: item, role: state.role }
  if (state.panel === 4) return { type: 'hops', target: item, role: state.role, max: state.hopsMax }
  return undefined
}

function nextRole (state: UiState, roles: readonly string[]): string {
  const at = roles.indexOf(state.role)
  return roles[(at + 1) % roles.length] ?? state.role
}

/** The command bar: `retrieve ADDRESS [ROLE]`, `hops TARGET [N]`, `role ROLE`, `generate PATH [PRIORITY]`, `elect resign`, `quit`. */
export function runCommand (state: UiState, line: string, ctx: PressContext): Result {
  const words = line.trim().split(/\s+/).filter(Boolean)
  const [verb, first, second] = words
  const say = (message: string): Result => ({ state: { ...state, message } })
  switch (verb) {
    case undefined: return { state }
    case 'q': case 'quit': return { state, action: { type: 'quit' } }
    case 'retrieve': {
      if (first === undefined) return say('retrieve needs an address: :retrieve ucxl://project/path [role]')
      const role = second ?? state.role
      if (!ctx.roles.includes(role)) return say(`this peer holds no key of the role "${role}": it holds ${ctx.roles.join(', ')}`)
      return { state: { ...state, panel: 3, role, open: { ...state.open, 3: true }, message: null }, action: { type: 'retrieve', address: first, role } }
    }
    case 'hops': {
      if (first === undefined) return say('hops needs a decision id or an address: :hops ID [N]')
      const max = second === undefined ? state.hopsMax : Number(second)
      if (!Number.isInteger(max) || max < 1 || max > MAX_TUI_HOPS) return say(`hops N must be a whole number from 1 to ${MAX_TUI_HOPS}`)
      return { state: { ...state, panel: 4, hopsMax: max, open: { ...state.open, 4: true }, message: null }, action: { type: 'hops', target: first, role: state.role, max } }
    }
    case 'role': {
      if (first === undefined || !ctx.roles.includes(first)) return say(`role must be one this peer holds: ${ctx.roles.join(', ')}`)
      return { state: { ...state, role: first, message: `reading as ${first}` }, action: { type: 'refresh' } }
    }
    case 'generate': {
      if (first === undefined) return say('generate needs a path: :generate PATH [low|normal|high|critical]')
      const priority = (second ?? 'normal') as Priority
      if (!PRIORITIES.includes(priority)) return say(`the priority must be one of ${PRIORITIES.join(', ')}`)
      if (!ctx.write) return say('read-only: start the TUI with --write to generate')
      if (!ctx.daemon) return say('no daemon runs: generate from the shell (bzzz-ctx generate PATH) or start one')
      // Like generate --no-wait: the answer is the request accepted (durable); panel 2 follows it to its completion.
      return { state: { ...state, message: `generate ${first}: asking the leader…` }, action: { type: 'generate', path: first, priority } }
    }
    case 'elect':
      if (first !== 'resign') return say('the only elect command here is :elect resign')
      if (!ctx.write) return say('read-only: start the TUI with --write to resign')
      if (!ctx.daemon) return say('no daemon runs: nothing to resign')
      return { state: { ...state, mode: 'confirm', pending: { action: { type: 'resign' }, question: 'Step down as leader? (y/n)' }, message: null } }
    default:
      return say(`unknown command "${verb}": try retrieve, hops, role, generate, elect resign or quit (? for help)`)
  }
}

function pressTyping (state: UiState, input: string, key: KeyPress, ctx: PressContext): Result {
  if (key.escape === true) {
    const filter = state.mode === 'filter' ? { ...state.filter, [state.panel]: '' } : state.filter
    return { state: { ...state, mode: 'normal', input: '', filter } }
  }
  if (key.return === true) {
    const done = { ...state, mode: 'normal' as const, input: '' }
    return state.mode === 'command' ? runCommand(done, state.input, ctx) : { state: done }
  }
  let text = state.input
  if (key.backspace === true || key.delete === true) text = text.slice(0, -1)
  else if (key.ctrl !== true && input !== '' && !/[\u0000-\u001f]/.test(input)) text += input
  if (state.mode === 'filter') {
    return { state: { ...state, input: text, filter: { ...state.filter, [state.panel]: text }, selected: { ...state.selected, [state.panel]: 0 } } }
  }
  return { state: { ...state, input: text } }
}

/**
 * The keys in what ink reports as one input: keys typed ahead arrive as one chunk ("jj\r"), each a key of its own,
 * unless it is text being typed in the filter or command bar.
 */
export function keysOf (input: string, key: KeyPress, typing: boolean): Array<[string, KeyPress]> {
  if (input.length <= 1 || typing) return [[input, key]]
  return [...input].map(char => char === '\r' ? ['', { return: true }] : char === '\t' ? [char, { tab: true }] : [char, {}])
}

/** The next state after one key, and the work it asks for. */
export function press (state: UiState, input: string, key: KeyPress, ctx: PressContext): Result {
  if (state.mode === 'filter' || state.mode === 'command') return pressTyping(state, input, key, ctx)
  if (state.mode === 'help') return { state: { ...state, mode: 'normal' } }
  if (state.mode === 'confirm') {
    const action = input === 'y' || input === 'Y' ? state.pending?.action : undefined
    const next = { ...state, mode: 'normal' as const, pending: null, message: action === undefined ? 'cancelled' : null }
    return action === undefined ? { state: next } : { state: next, action }
  }
  const panel = state.panel
  const count = ctx.items(panel).length
  const move = (by: number): Result => {
    const at = Math.max(0, Math.min(count - 1, state.selected[panel] + by))
    return { state: { ...state, selected: { ...state.selected, [panel]: at } } }
  }
  if (key.tab === true) {
    const at = PANEL_IDS.indexOf(panel)
    return { state: { ...state, panel: PANEL_IDS[(at + (key.shift === true ? 4 : 1)) % 5]!, message: null } }
  }
  if (key.upArrow === true || input === 'k') return move(-1)
  if (key.downArrow === true || input === 'j') return move(1)
  if (key.return === true) {
    const item = ctx.items(panel)[state.selected[panel]]
    if (item === undefined) return { state }
    const next = { ...state, open: { ...state.open, [panel]: true }, message: null }
    const action = openAction(state, item)
    return action === undefined ? { state: next } : { state: next, action }
  }
  if (key.escape === true) {
    if (state.open[panel]) return { state: { ...state, open: { ...state.open, [panel]: false } } }
    return { state: { ...state, filter: { ...state.filter, [panel]: '' }, message: null } }
  }
  switch (input) {
    case 'q': return { state, action: { type: 'quit' } }
    case '1': case '2': case '3': case '4': case '5':
      return { state: { ...state, panel: Number(input) as PanelId, message: null } }
    case '/': return { state: { ...state, mode: 'filter', input: state.filter[panel] } }
    case ':': return { state: { ...state, mode: 'command', input: '' } }
    case '?': return { state: { ...state, mode: 'help' } }
    case 'r': {
      if (panel !== 3 && panel !== 4) return { state }
      const role = nextRole(state, ctx.roles)
      const next = { ...state, role, message: `reading as ${role}` }
      const item = state.open[panel] ? ctx.items(panel)[state.selected[panel]] : undefined
      const action = item === undefined ? { type: 'refresh' as const } : openAction(next, item)
      return action === undefined ? { state: next } : { state: next, action }
    }
    case 'o': {
      if (panel !== 4) return { state }
      const decisionOrder: InfluenceOrder = state.decisionOrder === 'recent' ? 'reach' : 'recent'
      const next = { ...state, decisionOrder, selected: { ...state.selected, 4: 0 }, open: { ...state.open, 4: false } }
      // The app reads the decisions again whenever the order changes.
      return { state: { ...next, message: decisionOrder === 'recent' ? 'the most recent first' : 'ranked by the addresses they reach' } }
    }
    case '+': case '-': {
      if (panel !== 4) return { state }
      const hopsMax = Math.max(1, Math.min(MAX_TUI_HOPS, state.hopsMax + (input === '+' ? 1 : -1)))
      const next = { ...state, hopsMax, message: `hops up to ${hopsMax}` }
      const item = state.open[4] ? ctx.items(4)[state.selected[4]] : undefined
      const action = openAction(next, item)
      return action === undefined ? { state: next } : { state: next, action }
    }
    default: return { state }
  }
}
