/**
 * The TUI's Ink app: loads what the panels show from the backend, follows the daemon's events, turns keys into state
 * through model.ts and draws the frame panels.ts builds (never taller than the terminal).
 */
import React, { useCallback, useEffect, useRef, useState } from 'react'
import { Box, Text, useApp, useInput } from 'ink'
import type { FeedEvent, TuiBackend } from './backend.js'
import type { InfluenceOrder } from '../temporal/graph.js'
import { initialState, keysOf, press, type Action, type KeyPress, type PanelId, type UiState } from './model.js'
import { panelItems, screenLines, type Line, type ScreenData, type Tone } from './panels.js'

/** Events the screen keeps (the daemon keeps its own last 200 for a new watcher). */
export const EVENTS_KEPT = 500
/**
 * Events bring every change; this tick only ages what panel 1 shows (`last heard`, `since`) between them, and picks up
 * the log lengths, which change without an event.
 */
export const AGE_TICK_MS = 3_000

const TONE_COLORS: Record<Tone, string | undefined> = {
  plain: undefined, heading: 'cyan', selected: 'magenta', leader: 'green', cut: 'red', dim: 'gray', warn: 'yellow'
}

export interface AppProps {
  backend: TuiBackend
  size: { columns: number, rows: number }
  color: boolean
  write: boolean
  /** Called once the person quit (q, :quit), before Ink unmounts. */
  onQuit?: () => void
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function App ({ backend, size, color, write, onQuit }: AppProps): React.ReactElement {
  const { exit } = useApp()
  const [ui, setUi] = useState<UiState>(() => initialState(backend.heldRoles[0] ?? backend.config.role, backend.mode === 'daemon'))
  const [data, setData] = useState<ScreenData>(() => ({
    mode: backend.mode, home: backend.home, node: { id: backend.config.nodeId, role: backend.config.role }, clusterName: backend.config.clusterName,
    roles: backend.heldRoles, cluster: null, events: [], addresses: [], retrieved: null, decisions: [], hops: null, problem: null
  }))
  const alive = useRef(true)
  // The event listener lives as long as the app: it reads the role chosen now, not the one at start.
  const role = useRef(ui.role)
  role.current = ui.role
  const order = useRef(ui.decisionOrder)
  order.current = ui.decisionOrder
  const loading = useRef<{ running: boolean, again: boolean }>({ running: false, again: false })
  const update = useCallback((change: (d: ScreenData) => ScreenData) => { if (alive.current) setData(change) }, [])

  const loadCluster = useCallback(async (): Promise<void> => {
    if (backend.mode !== 'daemon') return
    // One load at a time; events that come during it ask for one more, not one each.
    if (loading.current.running) { loading.current.again = true; return }
    loading.current.running = true
    try {
      do {
        loading.current.again = false
        try {
          const cluster = await backend.cluster()
          update(d => ({ ...d, cluster, problem: null }))
        } catch (err) {
          update(d => ({ ...d, problem: `cannot read the cluster: ${messageOf(err)}` }))
        }
      } while (loading.current.again && alive.current)
    } finally {
      loading.current.running = false
    }
  }, [backend, update])

  const loadContext = useCallback(async (role: string, order: InfluenceOrder): Promise<void> => {
    try {
      const [addresses, decisions] = await Promise.all([backend.addresses(), backend.decisions(role, order)])
      update(d => ({ ...d, addresses, decisions }))
    } catch (err) {
      update(d => ({ ...d, problem: `cannot read the home: ${messageOf(err)}` }))
    }
  }, [backend, update])

  useEffect(() => {
    alive.current = true
    void loadCluster()
    const onEvent = (event: FeedEvent): void => {
      update(d => ({ ...d, events: [...d.events, event].slice(-EVENTS_KEPT) }))
      void loadCluster()
      if (event.kind === 'decision' || event.kind === 'completion' || event.kind === 'lost') void loadContext(role.current, order.current)
    }
    backend.watch(onEvent, err => { update(d => ({ ...d, problem: `the daemon went away (${err.message}): restart the TUI once it runs again` })) })
      .then(recent => { update(d => ({ ...d, events: [...recent, ...d.events].slice(-EVENTS_KEPT) })) })
      .catch(err => { update(d => ({ ...d, problem: `cannot follow the daemon's events: ${messageOf(err)}` })) })
    const tick = backend.mode === 'daemon' ? setInterval(() => { void loadCluster() }, AGE_TICK_MS) : null
    return () => {
      alive.current = false
      if (tick !== null) clearInterval(tick)
    }
    // The backend is fixed for the app's life; a role change reloads through its action.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [backend])

  // The decisions listed are those the chosen role may read, in the chosen order: read again whenever either changes.
  useEffect(() => { void loadContext(ui.role, ui.decisionOrder) }, [loadContext, ui.role, ui.decisionOrder])

  const carryOut = useCallback((action: Action, next: UiState): void => {
    switch (action.type) {
      case 'quit':
        onQuit?.()
        exit()
        return
      case 'retrieve':
        backend.retrieve(action.address, action.role).then(
          retrieved => { update(d => ({ ...d, retrieved, problem: null })) },
          err => { update(d => ({ ...d, retrieved: null, problem: `retrieve ${action.address} as ${action.role}: ${messageOf(err)}` })) })
        return
      case 'hops':
        backend.hops(action.target, action.role, action.max).then(
          hops => { update(d => ({ ...d, hops, problem: null })) },
          err => { update(d => ({ ...d, hops: null, problem: `hops of ${action.target}: ${messageOf(err)}` })) })
        return
      case 'resign':
        backend.resign().then(
          status => { setUi(u => ({ ...u, message: `stepped down; the leader is now ${status.leader?.slice(0, 12) ?? 'none yet'}` })); void loadCluster() },
          err => { update(d => ({ ...d, problem: `resign: ${messageOf(err)}` })) })
        return
      case 'generate': {
        // The command log is panel 5: each answer is kept there beside the daemon's events, the last one in the bar.
        const log = (text: string, ok: boolean): void => {
          setUi(u => ({ ...u, message: text }))
          update(d => ({ ...d, events: [...d.events, { kind: 'command' as const, text, ok, at: Date.now() }].slice(-EVENTS_KEPT) }))
        }
        backend.generate(action.path, action.priority).then(
          request => { log(`generate ${action.path}: request ${request.id} accepted in term ${request.term} (panel 2 follows it)`, true); void loadCluster() },
          err => { log(`generate ${action.path} refused: ${messageOf(err)}`, false) })
        return
      }
      case 'refresh':
        void loadContext(next.role, next.decisionOrder)
    }
  }, [backend, exit, loadCluster, loadContext, onQuit, update])

  // Keys can come faster than React renders: each is applied to the state the last one left, not the last render's.
  const current = useRef(ui)
  current.current = ui
  const dataNow = useRef(data)
  dataNow.current = data
  const pressOne = (input: string, key: KeyPress): void => {
    const state = current.current
    const items = (panel: PanelId): string[] => panelItems(panel, dataNow.current, state.filter[panel])
    const result = press(state, input, key, { items, roles: dataNow.current.roles, write, daemon: backend.mode === 'daemon' })
    current.current = result.state
    setUi(result.state)
    if (result.action !== undefined) carryOut(result.action, result.state)
  }
  useInput((input, key) => {
    const typing = current.current.mode === 'filter' || current.current.mode === 'command'
    for (const [one, oneKey] of keysOf(input, key as KeyPress, typing)) pressOne(one, oneKey)
  })

  return <Frame lines={screenLines(data, ui, size, write)} color={color} />
}

/** A frame's lines as Ink draws them: one Text each, tinted by its tone unless colour is off. */
export function Frame ({ lines, color }: { lines: Line[], color: boolean }): React.ReactElement {
  return (
    <Box flexDirection='column'>
      {lines.map((l, i) => {
        const tint = color ? TONE_COLORS[l.tone] : undefined
        return <Text key={i} wrap='truncate' {...(tint !== undefined ? { color: tint } : {})}>{l.text === '' ? ' ' : l.text}</Text>
      })}
    </Box>
  )
}
