// The daemon's control socket as a hostile or broken client uses it: a real daemon process, a real Unix socket. Nothing
// sent may stop the daemon, slow other clients down or grow its memory without bound (issue 24, item 1).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliProcess } from '../helpers/cli.js'
import { RawControl, processRuns, residentBytes, startTestDaemon, timedRequest, type RawAnswer } from '../helpers/control-socket.js'
import { seededRandom } from '../../sim/random.js'

/** The documented longest request line (man bzzz-ctx-node(1)); the daemon closes a connection that sends a longer one. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024
const ERROR_CODES = new Set(['BAD_USAGE', 'BAD_INPUT', 'ACCESS_DENIED', 'NOT_FOUND', 'NO_HOME', 'UNAVAILABLE', 'CORRUPT', 'FAILURE'])
/** What a message shows when an internal failure leaked through instead of a sentence for a person. */
const INTERNAL = /TypeError|RangeError|Cannot read|is not a function|is not iterable|ERR_[A-Z_]{3,}|must be of type|Unexpected token|undefined/

function badAnswer (answer: RawAnswer): string | null {
  if (typeof answer.ok !== 'boolean') return 'no ok'
  if (answer.ok) return null
  const error = answer.error
  if (typeof error !== 'object' || error === null) return 'no error object'
  if (!ERROR_CODES.has(error.code)) return `unknown code ${String(error.code)}`
  if (typeof error.message !== 'string' || error.message === '') return 'no message'
  if (INTERNAL.test(error.message)) return `an internal message: ${error.message}`
  return null
}

const daemon = await startTestDaemon(t)
const config = JSON.parse(readFileSync(join(daemon.home, 'config.json'), 'utf8'))

/** The daemon still runs and serves the CLI as the daemon (a status from the home alone would also exit 0). */
async function stillServing (label: string): Promise<void> {
  t.ok(processRuns(daemon.pid), `${label}: the daemon runs`)
  const status = await cliProcess(['--home', daemon.home, 'status', '--json'])
  t.equal(status.code, 0, `${label}: status answers: ${status.stderr}`)
  t.equal(status.json?.mode, 'daemon', `${label}: through the daemon`)
  t.equal(status.json?.node?.id, config.nodeId, `${label}: as this peer`)
  t.equal(status.stderr, '', `${label}: with nothing on stderr`)
}

t.test('a request that is null, not an object, or lacks what its op needs gets one error answer; the daemon keeps serving', async t => {
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  const lines = [
    'null', '[]', '42', '"status"', 'true', '{}', '{"op":5}', '{"id":1,"op":"no-such-op"}', 'not json at all', '{"id":2,"op":"status"',
    '{"id":3,"op":"generate","args":{}}', '{"id":4,"op":"generate","args":{"path":"relative/dir"}}',
    '{"id":5,"op":"retrieve","args":null}', '{"id":6,"op":"retrieve","args":{"address":5,"role":"admin"}}',
    '{"id":7,"op":"status","args":[]}', '{"id":8,"op":"decide","args":{"input":null}}', '{"id":9,"op":"sync","args":{"timeout":"soon"}}',
    '{"id":10,"op":"distribute","args":{"roles":"admin","source":"x"}}', '{"id":11,"op":"hops","args":{"target":"ucxl://fuzz/","role":"admin","max":1e9}}'
  ]
  for (const line of lines) client.send(line)
  const answers = await client.waitAnswers(lines.length)
  t.equal(answers.length, lines.length, 'one answer per line')
  t.notOk(client.closed, 'the connection stays open')
  for (const answer of answers) {
    t.equal(answer.ok, false, `refused: ${JSON.stringify(answer)}`)
    t.equal(answer.error?.code, 'BAD_INPUT', `as bad input: ${answer.error?.message}`)
    t.equal(badAnswer(answer), null, `one error shape, a sentence: ${answer.error?.message}`)
  }
  const generate = answers.find(a => a.id === 3)
  t.match(generate?.error?.message, /path is missing/, 'generate {} says what is missing')
  await stillServing('after the bad requests')
})

t.test(`a line over ${MAX_REQUEST_BYTES / 1024 / 1024} MiB closes its connection with one error, at once; other clients are served meanwhile`, async t => {
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const started = performance.now()
  let slowestPingMs = 0
  let sent = 0
  while (sent <= MAX_REQUEST_BYTES && !client.closed) {
    if (!client.socket.write(chunk)) {
      // Whichever comes first; the other listener goes too (left behind, they added up past the emitter's limit).
      await new Promise<void>(resolve => {
        const done = (): void => { client.socket.off('drain', done); client.socket.off('close', done); resolve() }
        client.socket.once('drain', done)
        client.socket.once('close', done)
      })
    }
    sent += chunk.length
    if (sent % (1024 * 1024) === 0) slowestPingMs = Math.max(slowestPingMs, (await timedRequest(daemon.socket, { id: 1, op: 'ping' })).ms)
  }
  t.ok(await client.waitClosed(5_000), 'the daemon closed the connection')
  const elapsedMs = performance.now() - started
  t.equal(client.answers.length, 1, 'with one answer')
  t.equal(client.answers[0]?.id, null)
  t.equal(client.answers[0]?.error?.code, 'BAD_INPUT')
  t.match(client.answers[0]?.error?.message, /over 8 MiB/, 'which says the limit')
  t.ok(elapsedMs < 5_000, `within 5 s of the first byte (${Math.round(elapsedMs)} ms)`)
  t.ok(slowestPingMs < 1_000, `a ping on another connection took at most ${Math.round(slowestPingMs)} ms meanwhile`)
  await stillServing('after the long line')
})

t.test('a request line of almost 8 MiB, sent in small pieces, is read in linear time and answered', async t => {
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  const line = Buffer.from(JSON.stringify({ id: 'big', op: 'ping', args: { padding: 'p'.repeat(MAX_REQUEST_BYTES - 100) } }))
  const started = performance.now()
  for (let at = 0; at < line.length; at += 16 * 1024) {
    if (!client.socket.write(line.subarray(at, at + 16 * 1024))) await new Promise(resolve => { client.socket.once('drain', resolve) })
  }
  client.socket.write('\n')
  const [answer] = await client.waitAnswers(1, 20_000)
  const elapsedMs = performance.now() - started
  t.equal(answer?.id, 'big', 'answered under its id')
  t.match(answer?.error, { code: 'BAD_INPUT', message: /padding/ }, 'the unknown field is named')
  t.ok(elapsedMs < 3_000, `in ${Math.round(elapsedMs)} ms`)
})

t.test('a client that sends without reading its answers is read no further: the daemon stays small and serves others', async t => {
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  client.socket.pause()
  const before = residentBytes(daemon.pid)
  const total = 100_000
  let accepted = 0
  const deadline = Date.now() + 4_000
  let slowestPingMs = 0
  for (let id = 0; id < total && Date.now() < deadline; id++) {
    // Written only while the socket takes it, so what the daemon does not read waits here, not in this process's memory.
    if (!client.socket.write(`{"id":${id},"op":"status"}\n`)) {
      const drained = await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => { client.socket.off('drain', onDrain); resolve(false) }, 300)
        const onDrain = (): void => { clearTimeout(timer); resolve(true) }
        client.socket.once('drain', onDrain)
      })
      slowestPingMs = Math.max(slowestPingMs, (await timedRequest(daemon.socket, { id: 1, op: 'ping' })).ms)
      if (!drained) break
    }
    accepted++
  }
  const after = residentBytes(daemon.pid)
  t.ok(accepted < total, `the daemon stopped reading: ${accepted} of ${total} requests taken`)
  t.ok(slowestPingMs < 1_000, `others are served meanwhile (a ping took ${Math.round(slowestPingMs)} ms)`)
  if (before !== null && after !== null) t.ok(after - before < 40 * 1024 * 1024, `the daemon grew by ${Math.round((after - before) / 1024 / 1024)} MiB`)
  client.close()
  await stillServing('after the client that did not read')
})

t.test('a slow reader gets every answer, once each', async t => {
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  const count = 3_000
  let text = ''
  for (let id = 0; id < count; id++) text += `{"id":${id},"op":"elect-status"}\n`
  client.socket.write(text)
  // Read a little, then nothing for a while, until every answer is in (bounded).
  const deadline = Date.now() + 20_000
  while (client.answers.length < count && !client.closed && Date.now() < deadline) {
    client.socket.pause()
    await new Promise(resolve => setTimeout(resolve, 30))
    client.socket.resume()
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  t.equal(client.answers.length, count, 'every request answered')
  t.equal(new Set(client.answers.map(a => a.id)).size, count, 'each once')
  t.ok(client.answers.every(a => a.ok === true && a.result?.state === 'leader'), 'each correctly')
  t.notOk(client.closed, 'the connection stays open')
})


const seed = process.env.BZZZ_FUZZ_SEED !== undefined ? Number(process.env.BZZZ_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32)

t.test(`fuzz: random and mutated requests (seed ${seed}; replay with BZZZ_FUZZ_SEED=${seed})`, async t => {
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  // Nothing here names a real directory: a mutated generate must not analyse this machine's files.
  const strings = ['', 'x', 'relative/dir', '/nonexistent/bzzz-fuzz/y', '\u0000', 'ucxl://fuzz/', 'ucxl://fuzz/../..', 'é✓\u202e', 'a'.repeat(5_000), '-1', 'admin', 'top-secret', '__proto__']
  const numbers = [0, -1, 1, 2.5, 1e9, 3601, Number.MAX_SAFE_INTEGER + 2, -0]
  const anyValue = (depth = 0): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 5 : 7))
    if (kind === 0) return null
    if (kind === 1) return random() < 0.5
    if (kind === 2) return pick(numbers)
    if (kind === 3 || kind === 4) return pick(strings)
    if (kind === 5) return Array.from({ length: Math.floor(random() * 4) }, () => anyValue(depth + 1))
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(['a', 'path', 'role', 'x', '__proto__']), anyValue(depth + 1)]))
  }
  const valid: Array<{ op: string, args?: Record<string, unknown> }> = [
    { op: 'ping' }, { op: 'status' }, { op: 'peers' }, { op: 'elect-status' }, { op: 'queue-status' }, { op: 'queue-ls' },
    { op: 'sync', args: { timeout: 1 } },
    { op: 'retrieve', args: { address: 'ucxl://fuzz/a.go', role: 'developer', depth: 2 } },
    { op: 'generate', args: { path: '/nonexistent/bzzz-fuzz/x', root: '/nonexistent/bzzz-fuzz', project: 'fuzz', roles: ['developer'], priority: 'low', noWait: true } },
    { op: 'distribute', args: { record: { address: 'ucxl://fuzz/a.go', kind: 'file', summary: 'fuzzed' }, roles: ['developer'], source: 'fuzz.json' } },
    { op: 'decide', args: { input: { affects: ['ucxl://fuzz/a.go'], title: 'a title', rationale: 'a reason', level: 'internal' } } },
    { op: 'history', args: { address: 'ucxl://fuzz/a.go', role: 'developer' } },
    { op: 'hops', args: { target: 'ucxl://fuzz/a.go', role: 'developer', max: 2 } },
    { op: 'influence', args: { role: 'developer', max: 2, limit: 5, order: 'recent' } },
    { op: 'addresses', args: { under: 'ucxl://fuzz/' } },
    { op: 'freshness', args: { root: '/nonexistent/bzzz-fuzz', project: 'fuzz' } },
    // A keys change that is not the admin's (unsigned): refused by whoever checks it, the daemon serving on.
    { op: 'keys', args: { bundle: { format: 1, change: { op: 'rotate', roles: ['developer'] }, roles: [], rolesSignature: { format: 1, version: 2, signature: '00' }, grants: [] } } }
  ]
  /** Deletes, retypes or adds one field somewhere in a copy of the request (the envelope, args, or args.input). */
  const mutate = (request: Record<string, unknown>): Record<string, unknown> => {
    const copy = structuredClone(request)
    const holders: Array<Record<string, unknown>> = [copy]
    const args = copy.args as Record<string, unknown> | undefined
    if (args !== undefined) holders.push(args)
    if (typeof args?.input === 'object' && args.input !== null) holders.push(args.input as Record<string, unknown>)
    const holder = pick(holders)
    const keys = Object.keys(holder)
    const action = random()
    if (action < 0.35 && keys.length > 0) delete holder[pick(keys)]
    else if (action < 0.8 && keys.length > 0) holder[pick(keys)] = anyValue()
    else if (action < 0.9) holder[pick(['extra', 'path', 'id', 'constructor'])] = anyValue()
    else copy.op = pick(valid).op
    return copy
  }
  const randomBytes = (): Buffer => {
    const bytes = Buffer.alloc(Math.floor(random() * 200))
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
    return Buffer.from(bytes.filter(b => b !== 0x0a))
  }
  const lineOf = (id: number): Buffer => {
    const request = { id, ...pick(valid) }
    const kind = random()
    if (kind < 0.55) return Buffer.from(JSON.stringify(mutate(request)))
    if (kind < 0.65) return randomBytes()
    if (kind < 0.75) {
      const text = JSON.stringify(mutate(request))
      return Buffer.from(text.slice(0, Math.floor(random() * text.length)))
    }
    if (kind < 0.85) {
      const bytes = Buffer.from(JSON.stringify(request))
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256) & 0xf7 // never a newline (0x0a)
      return bytes
    }
    if (kind < 0.9) return Buffer.from(pick(['null', '[]', '[null]', '0', '""', '{"__proto__":{"op":"stop"}}', '{"id":1,"op":"stop","args":{"x":1}}']))
    if (kind < 0.95) return Buffer.from(JSON.stringify({ id, op: pick(valid).op, args: anyValue() }))
    // Deep JSON: nested far past any stack a recursive reader would have.
    const depth = 20_000 + Math.floor(random() * 50_000)
    return Buffer.from(pick([
      () => '['.repeat(depth) + ']'.repeat(depth),
      () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
      () => `{"id":${id},"op":"distribute","args":{"record":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"source":"deep"}}`
    ])())
  }
  const before = residentBytes(daemon.pid)
  const started = performance.now()
  const client = await RawControl.open(daemon.socket)
  t.teardown(() => client.close())
  const LINES = 1_000
  const BATCH = 50
  let expected = 0
  const problems: string[] = []
  for (let batch = 0; batch < LINES / BATCH && performance.now() - started < 20_000; batch++) {
    for (let i = 0; i < BATCH; i++) {
      const line = lineOf(batch * BATCH + i)
      // A blank line (only spaces, tabs, carriage returns) is skipped, not answered.
      if (line.some(b => b !== 0x20 && b !== 0x09 && b !== 0x0d)) expected++
      client.send(line)
    }
    await client.waitAnswers(expected, 20_000)
    if (client.answers.length !== expected || client.closed) break
  }
  t.equal(client.answers.length, expected, `one answer per line that is not blank (${expected})`)
  t.notOk(client.closed, 'the connection stays open')
  t.same(client.garbage, [], 'every answer is a JSON object')
  for (const answer of client.answers) {
    const problem = badAnswer(answer)
    if (problem !== null) problems.push(`${problem}: ${JSON.stringify(answer).slice(0, 300)}`)
  }
  t.same(problems, [], 'every answer has the one shape, and an error is a sentence with a known code')
  t.ok(client.answers.some(a => a.ok), 'some mutated requests were still valid, and were served')
  t.ok(client.answers.some(a => a.ok === false && a.error?.code !== 'BAD_INPUT'), 'some passed the schema and were refused by the node')
  t.ok(performance.now() - started < 25_000, `in ${Math.round(performance.now() - started)} ms`)
  const after = residentBytes(daemon.pid)
  if (before !== null && after !== null) t.ok(after - before < 100 * 1024 * 1024, `the daemon grew by ${Math.round((after - before) / 1024 / 1024)} MiB`)
  await stillServing('after the fuzz')
})
