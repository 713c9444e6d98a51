/**
 * `sim --tui`'s Ink app: folds the simulator's events into the sim view as they come (sim-view.ts), turns keys into
 * screen state through the same model as the cluster's screen, and draws the same frame.
 */
import React, { useEffect, useRef, useState } from 'react'
import { useApp, useInput } from 'ink'
import type { SimEvent } from '../../sim/events.js'
import { Frame } from './app.js'
import { initialState, keysOf, press, type KeyPress, type PanelId, type UiState } from './model.js'
import { emptySimView, foldSim, simItems, simScreenLines, type SimView } from './sim-view.js'

/**
 * The most often (real ms) the screen is drawn again: a run tells hundreds of events a second, and folding each is
 * cheap, drawing each is not.
 */
export const SIM_DRAW_MS = 50

/** The run's events: those told so far, then each new one, until the returned function unsubscribes. */
export type SimFeed = (listener: (event: SimEvent) => void) => () => void

export interface SimAppProps {
  feed: SimFeed
  size: { columns: number, rows: number }
  color: boolean
  /** Called once the person quit (q), before Ink unmounts. */
  onQuit?: () => void
}

export function SimApp ({ feed, size, color, onQuit }: SimAppProps): React.ReactElement {
  const { exit } = useApp()
  const folded = useRef<SimView>(emptySimView())
  const [view, setView] = useState<SimView>(folded.current)
  const [ui, setUi] = useState<UiState>(() => initialState('', true))

  useEffect(() => {
    let timer: NodeJS.Timeout | null = null
    const unsubscribe = feed(event => {
      folded.current = foldSim(folded.current, event)
      timer ??= setTimeout(() => { timer = null; setView(folded.current) }, SIM_DRAW_MS)
    })
    return () => {
      unsubscribe()
      if (timer !== null) clearTimeout(timer)
    }
  }, [feed])

  // Keys can come faster than React renders: each is applied to the state the last one left.
  const current = useRef(ui)
  current.current = ui
  const pressOne = (input: string, key: KeyPress): void => {
    const state = current.current
    // The command bar is the cluster screen's (retrieve, hops, resign): a simulation has none of those.
    if (state.mode === 'normal' && input === ':') return
    const items = (panel: PanelId): string[] => simItems(panel, folded.current, state.filter[panel])
    const result = press(state, input, key, { items, roles: [], write: false, daemon: true })
    current.current = result.state
    setUi(result.state)
    if (result.action?.type === 'quit') {
      onQuit?.()
      exit()
    }
  }
  useInput((input, key) => {
    const typing = current.current.mode === 'filter' || current.current.mode === 'command'
    for (const [one, oneKey] of keysOf(input, key as KeyPress, typing)) pressOne(one, oneKey)
  })

  return <Frame lines={simScreenLines(view, ui, size)} color={color} />
}
