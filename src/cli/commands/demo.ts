/** `bzzz-ctx demo`: a guided local run on the embedded sample repo, showing what each role may read. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { PACKAGE_ROOT } from '../../paths.js'
import type { CliEnv } from '../cli-env.js'
import { emit, note, useColor } from '../io.js'
import { formatBytes, renderRetrieved, table } from '../render.js'
import type { Retrieved } from '../../storage/context-store.js'
import type { Content } from '../../context/merge.js'

export const DEMO_PROJECT = 'mixed'
export const DEMO_FILE = 'src/server/handlers/auth.py'
export const DEMO_ROLES = ['viewer', 'developer', 'security'] as const

function sectionsSeen (context: Content): Record<string, string> {
  const count = (list: unknown[] | undefined): string => list === undefined ? '-' : String(list.length)
  const insights = (role: string): string => count(context.insights?.filter(i => i.role === role))
  return {
    summary: context.summary === undefined ? '-' : 'yes',
    language: context.language ?? '-',
    technologies: count(context.technologies),
    symbols: count(context.symbols),
    imports: count(context.imports),
    'developer insights': insights('developer'),
    'qa insights': insights('qa'),
    'architect insights': insights('architect'),
    'security insights': insights('security')
  }
}

export function demoCommand (env: CliEnv): Command {
  return new Command('demo')
    .description('a guided local run: generate the sample repo, then retrieve one file as viewer, developer and security')
    .option('--keep', 'keep the temporary home and print where it is')
    .action(env.action<{ keep?: boolean }>(async (ctx, options) => {
      const { LocalPeer } = await import('../../node/local-peer.js')
      const home = mkdtempSync(join(tmpdir(), 'bzzz-ctx-demo-'))
      try {
        const repo = join(PACKAGE_ROOT, 'fixtures', 'repos', DEMO_PROJECT)
        note(ctx, `1. A new one-peer cluster in ${home}: this peer is its leader and holds every role's key.`)
        await LocalPeer.init(home, { cluster: 'demo', role: 'admin', project: DEMO_PROJECT })
        const peer = await LocalPeer.open(home)
        try {
          note(ctx, `2. Generating context for the sample repo ${repo} ...`)
          const generated = await peer.generate({ path: repo, root: repo, project: DEMO_PROJECT })
          note(ctx, `   ${generated.files} files analysed, ${generated.skipped.length} skipped (${[...new Set(generated.skipped.map(s => s.reason))].join(', ')}), ${generated.written} records sealed and stored (${formatBytes(generated.bytes)}) in ${generated.ms} ms.`)
          const address = `ucxl://${DEMO_PROJECT}/${DEMO_FILE}`
          note(ctx, `3. Retrieving ${address} as ${DEMO_ROLES.join(', ')}:`)
          const views: Retrieved[] = []
          for (const role of DEMO_ROLES) views.push(await peer.retrieve(address, role))
          const seen = views.map(v => sectionsSeen(v.context))
          const fields = Object.keys(seen[0]!)
          emit(ctx, { home: options.keep === true ? home : null, generate: generated, address, views }, () => [
            table(['section', ...DEMO_ROLES], fields.map(f => [f, ...seen.map(s => s[f]!)]), useColor(ctx)),
            '',
            `What the developer reads (symbols and imports are "internal"):`,
            renderRetrieved(views[1]!, useColor(ctx)),
            '',
            `What security reads in addition (its findings are "secret"; a secret's value is never copied, only where it is):`,
            table(['insight'], (views[2]!.context.insights ?? []).filter(i => i.role === 'security').map(i => [i.text]), useColor(ctx), true),
            '',
            options.keep === true
              ? `The home is kept: BZZZ_HOME=${home} bzzz-ctx retrieve ${address} --role viewer`
              : 'Try it on your own code: bzzz-ctx init --cluster me --role admin && bzzz-ctx generate . && bzzz-ctx retrieve ucxl://<project>/<file> --role developer'
          ].join('\n'))
        } finally {
          await peer.close()
        }
      } finally {
        if (options.keep !== true) rmSync(home, { recursive: true, force: true })
      }
    }))
}
