/**
 * Runs the TUI on this process's terminal: the alternate screen (so the shell's screen comes back as it was), a frame
 * that follows the terminal's size, and the terminal restored however it ends (q, Ctrl-C, SIGTERM, SIGHUP).
 */
import React, { useEffect, useState } from 'react'
import { render } from 'ink'
import { App } from './app.js'
import { openBackend } from './backend.js'

export interface RunTuiOptions {
  home: string
  write: boolean
  color: boolean
}

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h'
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l'

function sizeOf (stdout: NodeJS.WriteStream): { columns: number, rows: number } {
  return { columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 }
}

export async function runTui (options: RunTuiOptions): Promise<void> {
  const backend = await openBackend(options.home)
  const stdout = process.stdout

  function Root (): React.ReactElement {
    const [size, setSize] = useState(sizeOf(stdout))
    useEffect(() => {
      const resized = (): void => { setSize(sizeOf(stdout)) }
      stdout.on('resize', resized)
      return () => { stdout.off('resize', resized) }
    }, [])
    return <App backend={backend} size={size} color={options.color} write={options.write} />
  }

  stdout.write(ENTER_ALTERNATE_SCREEN)
  const instance = render(<Root />, { exitOnCtrlC: true, patchConsole: false })
  const stop = (): void => { instance.unmount() }
  process.once('SIGTERM', stop)
  process.once('SIGHUP', stop)
  try {
    await instance.waitUntilExit()
  } finally {
    process.off('SIGTERM', stop)
    process.off('SIGHUP', stop)
    stdout.write(LEAVE_ALTERNATE_SCREEN)
    await backend.close()
  }
}
