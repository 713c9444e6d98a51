// Every command has a man page, listed on the main page, and each page names the options its command has.
import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildProgram } from '../../src/cli/program.js'
import { processIo } from '../../src/cli/io.js'
import { PACKAGE_ROOT } from '../../src/paths.js'

t.test('each command has its page, and the page documents every long option', async t => {
  const main = readFileSync(join(PACKAGE_ROOT, 'man', 'bzzz-ctx.1'), 'utf8')
  const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version.replace(/\.\d+$/, '')
  const program = buildProgram(processIo())
  for (const command of program.commands) {
    const file = join(PACKAGE_ROOT, 'man', `bzzz-ctx-${command.name()}.1`)
    t.ok(existsSync(file), `man/bzzz-ctx-${command.name()}.1 exists`)
    if (!existsSync(file)) continue
    const source = readFileSync(file, 'utf8')
    t.match(source.split('\n')[0], `"bzzz-ctx ${version}"`, `${command.name()}: the page is of this version (${version})`)
    const page = source.replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '')
    t.match(main, `bzzz-ctx-${command.name()}`, `the main page refers to ${command.name()}`)
    const options = [command, ...command.commands].flatMap(c => c.options.map(o => o.long)).filter((o): o is string => o !== undefined)
    for (const option of new Set(options)) t.ok(page.includes(option), `${command.name()}: ${option} is documented`)
  }
})

t.test('the package installs every page (package.json `man`), so `man bzzz-ctx` works after npm install -g', async t => {
  const listed = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { man?: string[] }).man ?? []
  const pages = readdirSync(join(PACKAGE_ROOT, 'man')).filter(f => /\.\d$/.test(f)).map(f => `./man/${f}`).sort()
  t.same([...listed].sort(), pages, 'package.json lists exactly the pages in man/')
})
