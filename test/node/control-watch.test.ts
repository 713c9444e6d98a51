// `watch` on the control socket: the recent events, then each as it happens, under the request's id; a watcher that does
// not read loses events (told as one `lost` count) rather than growing the daemon or being cut off.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { ControlStream, startControlServer } from '../../src/node/control-server.js'
import { ControlClient } from '../../src/node/control.js'
import { EventFeed, eventOfEntry } from '../../src/node/events.js'
import { parseControlRequest } from '../../src/node/control-requests.js'
import { RawControl } from '../helpers/control-socket.js'
import { scratchDir } from '../helpers/scratch.js'

function feedAt (now: () => number): EventFeed {
  return new EventFeed({ now, setTimeout: () => null, clearTimeout: () => {}, setInterval: () => null, clearInterval: () => {}, sleep: async () => {} })
}

async function serve (t: Test, feed: EventFeed, limits = {}): Promise<string> {
  const socket = join(scratchDir('bzzz-watch-'), 'ctl.sock')
  const server = await startControlServer(socket, async request => {
    if (request.op === 'watch') return new ControlStream(send => ({ result: { recent: feed.recentEvents() }, close: feed.subscribe(send) }))
    return 'pong'
  }, { limits })
  t.teardown(() => server.close())
  return socket
}

async function until (check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
  return check()
}

t.test('watch is a request with no arguments', async t => {
  t.same(parseControlRequest({ id: 1, op: 'watch' }), { op: 'watch', args: {} })
})

t.test('a watcher gets the recent events, then each new one in order, and can still make requests', async t => {
  let now = 1000
  const feed = feedAt(() => now)
  const hooks = feed.hooks()
  hooks.onElection({ term: 1, state: 'leader', leader: 'a' })
  const socket = await serve(t, feed)
  const client = (await ControlClient.connect(socket))!
  t.teardown(() => client.close())
  const events: any[] = []
  const opened = await client.watch<{ recent: any[] }>('watch', {}, event => events.push(event), () => {})
  t.match(opened.recent, [{ kind: 'election', term: 1, leader: 'a', seq: 1, at: 1000 }], 'the past event comes with the answer')
  now = 2000
  hooks.onMembership({ node: 'b', role: 'qa', connected: false })
  hooks.onRejected({ what: 'frame', node: 'c', reason: 'bad type' })
  feed.publish(eventOfEntry({ writer: 'w', seq: 0, index: 0, entry: { type: 'decision', id: 'd1' } as any })!)
  t.ok(await until(() => events.length === 3), 'three events pushed')
  t.match(events, [
    { kind: 'member', node: 'b', connected: false, seq: 2, at: 2000 },
    { kind: 'rejected', what: 'frame', node: 'c', seq: 3 },
    { kind: 'decision', id: 'd1', seq: 4 }
  ])
  t.equal(await client.call('ping'), 'pong', 'the watching connection still answers requests')
  await t.rejects(client.call('watch'), { code: 'BAD_INPUT', message: /already watches/ }, 'one watch per connection')
})

t.test('closing the connection ends the subscription', async t => {
  const feed = feedAt(() => 0)
  const socket = await serve(t, feed)
  const raw = await RawControl.open(socket)
  raw.send('{"id":"w","op":"watch"}')
  await raw.waitAnswers(1)
  t.equal((feed as any).listeners.size, 1, 'subscribed')
  raw.close()
  t.ok(await until(() => (feed as any).listeners.size === 0), 'unsubscribed once the client left')
})

t.test('a watcher that does not read loses events, is told how many, and stays connected', async t => {
  const feed = feedAt(() => 0)
  const socket = await serve(t, feed, { pauseReplyBytes: 64 * 1024 })
  const raw = await RawControl.open(socket)
  t.teardown(() => raw.close())
  raw.send('{"id":7,"op":"watch"}')
  await raw.waitAnswers(1)
  raw.socket.pause()
  const reason = 'x'.repeat(1000)
  for (let i = 0; i < 5000; i++) feed.hooks().onRejected({ what: 'frame', node: String(i), reason })
  raw.socket.resume()
  const lost = (): any[] => raw.answers.filter((a: any) => a.event?.kind === 'lost')
  // Events that fit again are written as they come; the next one written after a loss is preceded by the count.
  let published = 5000
  t.ok(await until(() => { feed.publish({ kind: 'decision', id: 'late' }); published++; return lost().length > 0 }), 'a lost event comes')
  await new Promise(resolve => setTimeout(resolve, 100))
  const got = raw.answers.filter((a: any) => a.event !== undefined && a.event.kind !== 'lost').length
  t.ok(got < 5000, `${got} of ${published} events written while the client did not read`)
  t.equal(got + lost().reduce((sum, a) => sum + a.event.count, 0), published, 'every other one is counted as lost')
  t.ok(lost().every(a => a.id === 7), 'under the watch\'s id')
  t.notOk(raw.closed, 'the connection stays open')
})
