// The control socket's framing and per-connection bounds, in-process with small limits so that each bound is reached.
import t from 'tap'
import { join } from 'node:path'
import { LineSplitter } from '../../src/node/control-lines.js'
import { parseControlRequest } from '../../src/node/control-requests.js'
import { startControlServer } from '../../src/node/control-server.js'
import { ControlClient } from '../../src/node/control.js'
import { RawControl } from '../helpers/control-socket.js'
import { scratchDir } from '../helpers/scratch.js'
import { throwsCode } from '../helpers/errors.js'

t.test('the splitter frames lines across chunks, whatever the chunking, and stops at the limit', async t => {
  const text = Buffer.from('a\n\nbcd\nefghij\nk')
  for (const size of [1, 2, 3, 5, text.length]) {
    const splitter = new LineSplitter(6)
    const lines: string[] = []
    for (let at = 0; at < text.length; at += size) {
      const split = splitter.push(text.subarray(at, at + size))
      t.equal(split.tooLong, false)
      lines.push(...split.lines.map(l => l.toString()))
    }
    t.same(lines, ['a', '', 'bcd', 'efghij'], `chunks of ${size}`)
    t.equal(splitter.heldBytes, 1, 'the unfinished line is held')
  }
  const splitter = new LineSplitter(4)
  t.same(splitter.push(Buffer.from('ab\ncd')).lines.map(String), ['ab'])
  t.equal(splitter.push(Buffer.from('efg')).tooLong, true, 'a line past the limit, across chunks')
  t.equal(splitter.push(Buffer.from('\nok\n')).tooLong, true, 'and the stream stays refused')
})

t.test('a byte at a time, a long line costs time in proportion to its length', async t => {
  const splitter = new LineSplitter(1 << 20)
  const byte = Buffer.from('x')
  const started = performance.now()
  for (let i = 0; i < 500_000; i++) splitter.push(byte)
  const line = splitter.push(Buffer.from('\n')).lines[0]
  t.equal(line?.length, 500_000)
  t.ok(performance.now() - started < 2_000, `${Math.round(performance.now() - started)} ms for 500,000 one-byte chunks`)
})

t.test('each op has a validator: what is missing, mistyped or unknown is BAD_INPUT naming the field', async t => {
  t.same(parseControlRequest({ id: 1, op: 'retrieve', args: { address: 'ucxl://p/a', role: 'qa' } }), { op: 'retrieve', args: { address: 'ucxl://p/a', role: 'qa', depth: undefined } })
  throwsCode(t, () => parseControlRequest(null), 'BAD_INPUT', /JSON object/)
  throwsCode(t, () => parseControlRequest({ op: 'generate', args: {} }), 'BAD_INPUT', /path is missing/)
  throwsCode(t, () => parseControlRequest({ op: 'generate', args: { path: 'src' } }), 'BAD_INPUT', /absolute path/)
  throwsCode(t, () => parseControlRequest({ op: 'sync', args: { timeout: 0 } }), 'BAD_INPUT', /timeout must be a whole number from 1/)
  throwsCode(t, () => parseControlRequest({ op: 'decide', args: { input: { affects: 'ucxl://p/a', title: 't', rationale: 'r' } } }), 'BAD_INPUT', /affects must be a list/)
  throwsCode(t, () => parseControlRequest({ op: 'decide', args: { input: { affects: [], title: 't', rationale: 'r', extra: 1 } } }), 'BAD_INPUT', /"extra" is not a field/)
  throwsCode(t, () => parseControlRequest({ op: 'status', args: { verbose: true } }), 'BAD_INPUT', /"verbose" is not a field/)
  throwsCode(t, () => parseControlRequest({ op: 'status', id: { n: 1 } }), 'BAD_INPUT', /id must be/)
  throwsCode(t, () => parseControlRequest({ op: 'toString' }), 'BAD_INPUT', /unknown control request/)
})

t.test('a client that reads none of its answers past the bound is closed; the server keeps serving others', async t => {
  const socket = join(scratchDir('bzzz-ctl-unit-'), 'ctl.sock')
  const closedFor: string[] = []
  const answer = 'y'.repeat(256 * 1024)
  const server = await startControlServer(socket, async () => answer, {
    // Reading stays on (no pause) so that only the close bound acts: 8 answers of 256 KiB, more than the kernel buffers.
    limits: { maxRequestsInFlight: 1_000, pauseReplies: 1_000, pauseReplyBytes: 1 << 30, maxRepliesQueued: 8, maxReplyBytesQueued: 1 << 30 },
    onClientClosed: reason => { closedFor.push(reason) }
  })
  t.teardown(() => server.close())
  const hog = await RawControl.open(socket)
  hog.socket.pause()
  for (let id = 0; id < 64; id++) hog.socket.write(`{"id":${id},"op":"ping"}\n`)
  const deadline = Date.now() + 5_000
  while (closedFor.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
  t.match(closedFor, [/read none of its last/], 'the client that does not read is closed, and the server says why')
  // A paused socket sees its end only once it reads again.
  hog.socket.resume()
  t.ok(await hog.waitClosed(5_000), 'the client finds its connection closed')
  t.ok(hog.answers.length < 64, `before all its answers came (${hog.answers.length} of 64)`)
  const other = await ControlClient.connect(socket)
  t.ok(other, 'another client connects')
  t.equal(await other!.call('ping'), answer, 'and is answered')
  other!.close()
})

t.test('a client with too many requests in flight is read no further until they end, then all are answered', async t => {
  const socket = join(scratchDir('bzzz-ctl-unit-'), 'ctl.sock')
  let inFlight = 0
  let most = 0
  const server = await startControlServer(socket, async () => {
    inFlight++
    most = Math.max(most, inFlight)
    await new Promise(resolve => setTimeout(resolve, 2))
    inFlight--
    return 'ok'
  }, { limits: { maxRequestsInFlight: 4 } })
  t.teardown(() => server.close())
  const client = await RawControl.open(socket)
  t.teardown(() => client.close())
  let text = ''
  for (let id = 0; id < 200; id++) text += `{"id":${id},"op":"ping"}\n`
  client.socket.write(text)
  const answers = await client.waitAnswers(200)
  t.equal(answers.length, 200, 'every request answered')
  t.equal(most, 4, 'at most 4 at once')
})

t.test('the client refuses to send a request over the limit, rather than have its connection closed', async t => {
  const socket = join(scratchDir('bzzz-ctl-unit-'), 'ctl.sock')
  const server = await startControlServer(socket, async () => 'ok')
  t.teardown(() => server.close())
  const client = await ControlClient.connect(socket)
  t.teardown(() => client!.close())
  await t.rejects(client!.call('distribute', { record: 'r'.repeat(9 * 1024 * 1024), source: 'big' }), { code: 'BAD_INPUT', message: /over 8 MiB/ })
  t.equal(await client!.call('ping'), 'ok', 'and the connection still serves')
})
