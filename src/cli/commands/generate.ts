/** `bzzz-ctx generate PATH`: analyse a file or tree and distribute its context records. */
import { Command, Option } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { parseList } from '../cli-env.js'
import { emit, note, useColor, type CommandContext } from '../io.js'
import { systemClock } from '../../clock.js'
import { badUsage, isBzzzError } from '../../errors.js'
import { watchTree } from '../../node/generate-watch.js'
import { untilSignal } from '../signals.js'
import type { OpenedHome } from '../../node/held-generation.js'
import type { GeneratePart, GenerateReport } from '../../node/local-peer.js'
import { withPeer } from '../peer-session.js'
import { progressBar } from '../progress.js'
import { formatBytes, table } from '../render.js'
import { PRIORITIES, type Priority } from '../../storage/vocabulary.js'


/** One run of a watch: a JSON line for programs, one line for people. */
function showWatchRun (ctx: CommandContext, report: GenerateReport, changed: readonly string[]): void {
  if (ctx.global.json) { ctx.io.stdout.write(JSON.stringify({ ...report, changed }) + '\n'); return }
  const what = changed.length === 0 ? '' : ` after changes to ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`
  note(ctx, `${new Date(systemClock.now()).toISOString()} generated ${report.files} files${what}: ${report.written} written, ${report.unchanged} unchanged, ${report.removed} removed (${report.ms} ms)`)
}

/**
 * A part of a tree too large for one request, accepted: a line on stderr (with --json too: a long send is not silent),
 * so the wait is not mute while hundreds of MB travel.
 */
function showPart (ctx: CommandContext, part: GeneratePart): void {
  if (ctx.global.quiet) return
  ctx.io.stderr.write(`Part ${part.index + 1} of ${part.count} accepted: ${part.files} files, ${formatBytes(part.bytes)} (request ${part.id})${part.index + 1 === part.count ? '; the leader generates the whole tree from every part' : ''}\n`)
}

export function generateCommand (env: CliEnv): Command {
  return new Command('generate')
    .description('analyse PATH (a file or a tree) and distribute its context to the roles')
    .argument('<path>', 'the file or directory to analyse')
    .option('--root <dir>', 'addresses are relative to this directory (default: the git work tree holding PATH, else PATH if a directory, else its directory)')
    .option('--project <name>', 'the project name in addresses (default: the configured project, else the root\'s name)')
    .option('--roles <roles>', 'distribute only to these roles (comma-separated; default: every role)', parseList('--roles'))
    .addOption(new Option('--priority <priority>', 'the request\'s priority in the leader\'s queue').choices([...PRIORITIES]).default('normal'))
    .option('--prune', 'remove the addresses below PATH (a folder) that an earlier generate wrote and this one no longer finds (deleted, moved, now ignored)')
    .option('--no-wait', 'with a daemon: return once the leader has accepted the request (it is then durable), not when it completes')
    .option('--watch', 'after the first run, keep PATH fresh: generate again whenever files under it change (debounced), until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx generate .\n  bzzz-ctx generate src/server --roles developer,security --json')
    .action(env.action<{ root?: string, project?: string, roles?: string[], priority: Priority, wait: boolean, prune?: boolean, watch?: boolean }>(async (ctx, options, [path]) => {
      if (options.watch === true && !options.wait) throw badUsage('--watch waits for each run: leave out --no-wait')
      const progress = await progressBar(ctx, 'Analysing', 'Building and storing records')
      const request = {
        path: path!, priority: options.priority, ...(options.wait ? {} : { noWait: true }), ...(options.prune === true ? { prune: true } : {}),
        ...(options.root !== undefined ? { root: options.root } : {}),
        ...(options.project !== undefined ? { project: options.project } : {}),
        ...(options.roles !== undefined ? { roles: options.roles } : {})
      }
      const shown = { ...request, onProgress: progress.update, onPart: (part: GeneratePart) => { showPart(ctx, part) } }
      // Without a daemon, a run that finds nothing changed is answered without opening the store (generateWithoutStore).
      const beforeOpen = async (home: string): Promise<{ answer: GenerateReport } | OpenedHome> => {
        const { generateWithoutStore } = await import('../../node/held-generation.js')
        const held = await generateWithoutStore(home, shown).catch((err: unknown) => { progress.stop(); throw err })
        if (!('report' in held)) return held
        progress.stop()
        return { answer: held.report }
      }
      const report = await withPeer(ctx, async peer => {
        let first
        try {
          first = await peer.generate(shown)
        } finally {
          progress.stop()
        }
        if (options.watch !== true) return first
        showWatchRun(ctx, first, [])
        note(ctx, `Watching ${path!} for changes (Ctrl-C stops).`)
        const watcher = watchTree(path!, systemClock, {
          generate: async () => await peer.generate(request),
          onReport: (run, changed) => showWatchRun(ctx, run, changed),
          onError: err => { ctx.io.stderr.write(`bzzz-ctx: a watched generate failed: ${isBzzzError(err) ? err.message : String(err)}\n`) }
        })
        await untilSignal()
        await watcher.stop()
        return null
      }, options.watch === true ? {} : { beforeOpen })
      if (report === null) return
      const queued = (report as { request?: { id: string, state: string, term: number } }).request
      emit(ctx, report, () => {
        if (queued !== undefined && queued.state === 'queued') {
          if (report.requests !== undefined) return `Requests ${report.requests.join(', ')} (the ${report.parts} parts of ${path!}; the last generates them all) accepted by the leader of term ${queued.term}; they are durable and will complete. Follow them with: bzzz-ctx queue ls`
          return `Request ${queued.id} accepted by the leader of term ${queued.term}; it is durable and will complete. Follow it with: bzzz-ctx queue ls`
        }
        const reasons = new Map<string, number>()
        for (const s of report.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1)
        const lines = [
          table(['project', 'files', 'from cache', 'records', 'written', 'unchanged', 'stored', 'time'], [[
            report.project, report.files, report.cached, report.records, report.written, report.unchanged, formatBytes(report.bytes), `${report.ms} ms`
          ]], useColor(ctx)),
          `Root ${report.root}; distributed to ${report.roles.join(', ')}.`
        ]
        if (report.requests !== undefined) lines.push(`Sent in ${report.parts} parts, generated as one by the last: requests ${report.requests.join(', ')}.`)
        if (report.files === 0) lines.push(`No files to analyse under ${report.path === '.' ? report.root : report.path}: it may be inside an excluded (node_modules, build, ...) or .gitignore'd directory of the root ${report.root}; pass --root ${report.path === '.' ? report.root : path!} to analyse it on its own.`)
        const under = report.path === '.' ? report.root : report.path
        if (report.removed > 0) lines.push(`Removed ${report.removed} address(es) an earlier generate wrote under ${under}: their files or folders are gone (bzzz-ctx history shows their versions).`)
        if (report.stale > 0) lines.push(`${report.stale} address(es) an earlier generate wrote under ${under} were not found this time (deleted or moved, or now ignored; or an earlier generate had another root): they still answer retrieve. Run again with --prune to remove them.`)
        if (report.skipped.length > 0) lines.push(`Skipped ${report.skipped.length} file(s): ${[...reasons].map(([r, n]) => `${n} ${r}`).join(', ')} (--json lists them).`)
        lines.push(`Retrieve with: bzzz-ctx retrieve ucxl://${report.project}/<path> --role developer`)
        return lines.join('\n')
      })
    }))
}
