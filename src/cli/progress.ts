/** A progress bar for long work on a terminal (files/s, ETA); nothing at all when stderr is a pipe. */
import type { AnalyzeProgress } from '../intelligence/types.js'
import type { CommandContext } from './io.js'

export interface ProgressView {
  update: (progress: AnalyzeProgress) => void
  stop: () => void
}

const SILENT: ProgressView = { update: () => {}, stop: () => {} }

export async function progressBar (ctx: CommandContext, label: string): Promise<ProgressView> {
  if (ctx.global.json || ctx.global.quiet || ctx.io.stderr.isTTY !== true || ctx.io.env.CI !== undefined) return SILENT
  const { SingleBar } = await import('cli-progress')
  const bar = new SingleBar({
    stream: ctx.io.stderr as NodeJS.WritableStream,
    format: `${label} [{bar}] {value}/{total} files | {rate} files/s | ETA {eta_text}`,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30
  })
  let started = false
  return {
    update: p => {
      const payload = { rate: Math.round(p.filesPerSecond), eta_text: p.etaSeconds === null ? '-' : `${Math.ceil(p.etaSeconds)}s` }
      if (!started) { bar.start(p.total, p.done, payload); started = true } else { bar.setTotal(p.total); bar.update(p.done, payload) }
    },
    stop: () => { if (started) bar.stop() }
  }
}
