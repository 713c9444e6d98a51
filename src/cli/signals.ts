/** The process's stop signals, for the commands that run until told to stop (bootstrap, generate --watch). */

/**
 * Resolves with the first SIGINT (Ctrl-C) or SIGTERM; the handlers go with it, so a second one gets the default
 * behaviour (the process ends at once).
 */
export async function untilSignal (): Promise<NodeJS.Signals> {
  return await new Promise(resolve => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
