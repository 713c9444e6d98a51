/** A progress bar for long work on a terminal (files/s, ETA); nothing at all when stderr is a pipe. */
import type { AnalyzeProgress } from '../intelligence/types.js'
import type { CommandContext } from './io.js'

export interface ProgressView {
  update: (progress: AnalyzeProgress) => void
  stop: () => void
}

const SILENT: ProgressView = { update: () => {}, stop: () => {} }

/**
 * `label` names the work while files are analysed; `after` what follows once they all are (records built and
 * written, which on a large tree takes seconds), so a full bar does not look stuck.
 */
export async function progressBar (ctx: CommandContext, label: string, after?: string): Promise<ProgressView> {
  if (ctx.global.json || ctx.global.quiet || ctx.io.stderr.isTTY !== true || ctx.io.env.CI !== undefined) return SILENT
  const { SingleBar } = await import('cli-progress')
  const bar = new SingleBar({
    stream: ctx.io.stderr as NodeJS.WritableStream,
    format: '{stage} [{bar}] {value}/{total} files | {rate} files/s | {eta_text}',
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30
  })
  let started = false
  return {
    update: p => {
      const finished = p.done >= p.total && after !== undefined
      const payload = {
        stage: finished ? after : label,
        rate: Math.round(p.filesPerSecond),
        eta_text: finished ? 'analysed' : `ETA ${p.etaSeconds === null ? '-' : `${Math.ceil(p.etaSeconds)}s`}`
      }
      if (!started) { bar.start(p.total, p.done, payload); started = true } else { bar.setTotal(p.total); bar.update(p.done, payload) }
    },
    stop: () => { if (started) bar.stop() }
  }
}
