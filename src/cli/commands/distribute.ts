/** `bzzz-ctx distribute --file CONTEXT.json --roles R,...`: distribute a hand-written context record. */
import { Command } from 'commander'
import { badUsage } from '../../errors.js'
import type { CliEnv } from '../cli-env.js'
import { readJson } from '../json-file.js'
import { parseList } from '../cli-env.js'
import { emit } from '../io.js'
import { withPeer } from '../peer-session.js'
import { formatBytes } from '../render.js'

export function distributeCommand (env: CliEnv): Command {
  return new Command('distribute')
    .description('distribute a hand-written context record to roles')
    .option('--file <file>', 'the context record (JSON): address, kind, and any of summary, purpose, language, technologies, tags, symbols, imports, insights')
    .option('--roles <roles>', 'the roles that may read it (comma-separated; default: every role)', parseList('--roles'))
    .option('--decision <id>', 'the decision this version is written because of (see bzzz-ctx decide)')
    .addHelpText('after', '\nThe record is the address\'s hand-written one: retrieve lays it over the record generate wrote there, and generate never replaces it.\n\nExample:\n  bzzz-ctx distribute --file api.json --roles developer,architect\n\nA record: {"address":"ucxl://shop/src/api","kind":"directory","summary":"HTTP API","insights":[{"role":"security","text":"rate limits missing"}]}')
    .action(env.action<{ file?: string, roles?: string[], decision?: string }>(async (ctx, options) => {
      if (options.file === undefined) throw badUsage('missing --file CONTEXT.json')
      const value = readJson(options.file, 'record')
      const report = await withPeer(ctx, peer => peer.distribute(value, options.roles, options.file!, undefined, options.decision))
      emit(ctx, report, () => report.written === 0
        ? `${report.address} is unchanged: nothing written.`
        : `Distributed ${report.address} to ${report.roles.join(', ')} (${formatBytes(report.bytes)}), as its hand-written record: read over what generate wrote there, never replaced by it.`)
    }))
}
