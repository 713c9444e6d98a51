/**
 * Runs the TUI (the cluster's screen, or a simulation's) on this process's terminal: the alternate screen (so the
 * shell's screen comes back as it was), a frame that follows the terminal's size, and the terminal restored however
 * it ends (q, Ctrl-C, SIGTERM, SIGHUP).
 */
import React, { useEffect, useState } from 'react'
import { render, type Instance } from 'ink'
import type { SimEvent } from '../../sim/events.js'
import type { SimReport } from '../../sim/report.js'
import { App } from './app.js'
import { openBackend } from './backend.js'
import { SimApp, type SimFeed } from './sim-app.js'

export interface RunTuiOptions {
  home: string
  write: boolean
  color: boolean
}

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h'
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l'

type Size = { columns: number, rows: number }

function sizeOf (stdout: NodeJS.WriteStream): Size {
  return { columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 }
}

/** Draws `screen` on the alternate screen at the terminal's size while `during` runs, and restores the terminal. */
async function onTerminal (screen: (size: Size) => React.ReactElement, during: (instance: Instance) => Promise<void>): Promise<void> {
  const stdout = process.stdout
  function Root (): React.ReactElement {
    const [size, setSize] = useState(sizeOf(stdout))
    useEffect(() => {
      const resized = (): void => { setSize(sizeOf(stdout)) }
      stdout.on('resize', resized)
      return () => { stdout.off('resize', resized) }
    }, [])
    return screen(size)
  }
  stdout.write(ENTER_ALTERNATE_SCREEN)
  const instance = render(<Root />, { exitOnCtrlC: true, patchConsole: false })
  const stop = (): void => { instance.unmount() }
  process.once('SIGTERM', stop)
  process.once('SIGHUP', stop)
  try {
    await during(instance)
  } finally {
    process.off('SIGTERM', stop)
    process.off('SIGHUP', stop)
    instance.unmount()
    stdout.write(LEAVE_ALTERNATE_SCREEN)
  }
}

export async function runTui (options: RunTuiOptions): Promise<void> {
  const backend = await openBackend(options.home)
  try {
    await onTerminal(size => <App backend={backend} size={size} color={options.color} write={options.write} />, async instance => {
      await instance.waitUntilExit()
    })
  } finally {
    await backend.close()
  }
}

export interface RunSimTuiOptions {
  color: boolean
  /** Runs the simulation, telling each event as it happens; it stops at its next tick once `signal` aborts. */
  run: (onEvent: (event: SimEvent) => void, signal: AbortSignal) => Promise<SimReport>
}

/**
 * Shows a simulation as it runs, and its verdict until the person quits. The report, or null when the person quit
 * before the run was over (the run is then stopped, its peers closed).
 */
export async function runSimTui (options: RunSimTuiOptions): Promise<SimReport | null> {
  const told: SimEvent[] = []
  const listeners = new Set<(event: SimEvent) => void>()
  const feed: SimFeed = listener => {
    for (const event of told) listener(event)
    listeners.add(listener)
    return () => { listeners.delete(listener) }
  }
  const onEvent = (event: SimEvent): void => {
    told.push(event)
    for (const listener of listeners) listener(event)
  }
  const controller = new AbortController()
  let outcome: { report: SimReport } | { error: unknown } | null = null
  await onTerminal(size => <SimApp feed={feed} size={size} color={options.color} />, async instance => {
    const running = options.run(onEvent, controller.signal).then(
      report => { outcome = { report } },
      (error: unknown) => {
        if (controller.signal.aborted) return
        outcome = { error }
        instance.unmount()
      })
    await instance.waitUntilExit()
    if (outcome === null) {
      onEvent({ kind: 'phase', atMs: 0, phase: 'stopped' })
      controller.abort()
    }
    await running
  })
  const ended = outcome as { report: SimReport } | { error: unknown } | null
  if (ended !== null && 'error' in ended) throw ended.error
  return ended?.report ?? null
}
