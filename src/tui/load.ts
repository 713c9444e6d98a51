/**
 * Loads the TUI's chunk (Ink and React) for a person at a terminal.
 *
 * Ink decides once, when it is first imported, whether it runs under CI (the `is-in-ci` package: `CI`,
 * `CONTINUOUS_INTEGRATION` or any `CI_*` variable), and under CI it draws nothing until it unmounts: a person whose
 * shell exports `CI` (a build container, a CI job's debug shell) would see a blank screen. The commands that call this
 * have already checked that stdin and stdout are terminals, so the screen is meant to be live: those variables are
 * hidden from Ink while it loads, then put back as they were for everything else in the process.
 */
export async function loadTui (): Promise<typeof import('./run.js')> {
  const env = process.env
  const hidden = Object.entries(env).filter(([key]) => key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_'))
  for (const [key] of hidden) delete env[key]
  try {
    return await import('./run.js')
  } finally {
    for (const [key, value] of hidden) env[key] = value
  }
}
