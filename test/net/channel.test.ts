// WireChannel: messages both ways over real Hyperswarm connections on a loopback testnet; a channel of another
// cluster never opens; hostile frames (10,000 in memory, 10,000 over the network) only close and count the
// connections that sent them, and the receiver keeps serving well-behaved peers.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Duplex } from 'node:stream'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import createTestnet from 'hyperdht/testnet.js'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { MAX_FRAME_PARTS, WIRE_PART_BYTES, WireChannel, createWireStats, type WireStats, type WireStream } from '../../src/net/channel.js'
import { MAX_FRAME_BYTES, MAX_HELLO_FRAME_BYTES, WIRE_PROTOCOL, WIRE_VERSION, decodeMessage, encodeMessage, type WireMessage } from '../../src/net/messages.js'
import { refreshDiscovery } from '../../src/net/dht-options.js'
import { throwsCode } from '../helpers/errors.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function waitFor (condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(5)
  }
}

/** The promise's value, or `fallback` after `ms` (the timer is cleared either way, so nothing lingers). */
async function orAfter<T> (promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<T>(resolve => { timer = setTimeout(() => { resolve(fallback) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms: ${what}`)) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** Two framed in-memory streams wired to each other (a message per write), each destroying the other as a socket would. */
function framedPair (): [WireStream & Duplex, WireStream & Duplex] {
  const streams: Array<WireStream & Duplex> = []
  const make = (other: () => Duplex): WireStream & Duplex => {
    const stream = new Duplex({
      objectMode: true,
      read () {},
      write (chunk: Buffer, _encoding, done) {
        queueMicrotask(() => { const peer = other(); if (!peer.destroyed) peer.push(chunk) })
        done()
      },
      final (done) { queueMicrotask(() => other().push(null)); done() },
      destroy (err, done) { queueMicrotask(() => { const peer = other(); if (!peer.destroyed) peer.destroy() }); done(err) }
    }) as WireStream & Duplex
    stream.userData = null // as on a secret-stream, so Protomux.from finds the mux again
    return stream
  }
  streams.push(make(() => streams[1] as Duplex), make(() => streams[0] as Duplex))
  return [streams[0] as WireStream & Duplex, streams[1] as WireStream & Duplex]
}

const hex = (b: Buffer): string => b.toString('hex')
const helloFrom = (node: string): WireMessage => ({ type: 'hello', version: WIRE_VERSION, certificate: JSON.stringify({ node }) })

/** A raw Protomux channel of the wire protocol, as a misbehaving peer opens it: parts go out unchecked. */
function rawChannel (stream: WireStream, clusterId: Buffer): { send: (part: Buffer) => boolean } {
  const channel = Protomux.from(stream).createChannel({ protocol: WIRE_PROTOCOL, id: clusterId })
  if (channel === null) throw new Error('no raw channel')
  const message = channel.addMessage({ encoding: c.raw })
  channel.open()
  return { send: part => message.send(part) }
}

// ---- hostile frames -----------------------------------------------------------------------------------------

/** xorshift32: the barrage is deterministic, so a failure replays. */
function prng (seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32 }
}

const SAMPLES: Buffer[] = [
  encodeMessage(helloFrom('sample')),
  encodeMessage({ type: 'heads', term: 1, heads: [{ writer: 'ab'.repeat(32), length: 5 }, { writer: 'cd'.repeat(32), length: 70_000 }] }),
  encodeMessage({ type: 'request', id: 'req-1', op: 'retrieve', body: JSON.stringify({ address: 'ucxl://p/a.py', role: 'dev' }) }),
  encodeMessage({ type: 'response', id: 'req-1', ok: false, body: JSON.stringify({ code: 'NOT_FOUND', message: 'none' }) })
]
const LAST = Buffer.from([0])

function hostilePart (random: () => number): Buffer {
  const int = (n: number): number => Math.floor(random() * n)
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)))
  const sample = SAMPLES[int(SAMPLES.length)] as Buffer
  switch (int(8)) {
    case 0: return bytes(int(120)) // anything, part flag included
    case 1: return Buffer.concat([LAST, bytes(1 + int(120))])
    case 2: { // a valid frame with one to three bytes changed
      const frame = Buffer.from(sample)
      for (let k = 0, n = 1 + int(3); k < n; k++) frame[int(frame.length)] = int(256)
      return Buffer.concat([LAST, frame])
    }
    case 3: return Buffer.concat([LAST, sample.subarray(0, int(sample.length))])
    case 4: return Buffer.concat([LAST, sample, bytes(1 + int(4))])
    case 5: return Buffer.concat([Buffer.from([2 + int(254)]), sample])
    case 6: { // a hostile length prefix: 2^32 or 2^53 where a length belongs
      const prefix = Buffer.alloc(9); prefix[0] = 0xff; prefix.writeBigUInt64LE(int(2) === 0 ? 2n ** 32n : 2n ** 53n, 1)
      return Buffer.concat([LAST, Buffer.from([int(4)]), prefix, bytes(int(16))])
    }
    default: return Buffer.concat([LAST, sample]) // valid: delivered if it is a first hello, refused as out of order otherwise
  }
}

type Outcome = 'refused' | 'delivered' | 'pending'

/** What the receiver must do with one part sent first on a fresh channel. */
function expectedOutcome (part: Buffer): Outcome {
  if (part.length === 0) return 'refused'
  if (part[0] === 1) return part.length === 1 ? 'refused' : 'pending'
  if (part[0] !== 0) return 'refused'
  try {
    return decodeMessage(part.subarray(1)).type === 'hello' ? 'delivered' : 'refused'
  } catch {
    return 'refused'
  }
}

// ---- in memory ------------------------------------------------------------------------------------------------

t.test('in memory: order rules, parts, handler failures, one onClose', async t => {
  const clusterId = randomBytes(32)
  const [a, b] = framedPair()
  const got: WireMessage[] = []
  const closes: string[] = []
  const stats = createWireStats()
  const left = new WireChannel(a, { clusterId, stats, onMessage: m => { got.push(m) }, onClose: r => { closes.push(r) } })
  const right = new WireChannel(b, { clusterId, stats, onMessage: () => {}, onClose: () => {}, partBytes: 1000 })
  throwsCode(t, () => left.send(helloFrom('x')), 'BAD_INPUT', /nothing before open/)
  throwsCode(t, () => new WireChannel(a, { clusterId: Buffer.alloc(31), onMessage: () => {}, onClose: () => {} }), 'BAD_INPUT', /32 bytes/)
  left.open()
  right.open()
  t.equal(await within(left.opened, 2000, 'left opens'), true)
  t.equal(await within(right.opened, 2000, 'right opens'), true)
  throwsCode(t, () => right.send({ type: 'heads', term: 1, heads: [] }), 'BAD_INPUT', /first message on a wire channel is hello, not heads/)
  throwsCode(t, () => right.send({ type: 'request', id: 'bad id', op: 'x', body: '1' } as WireMessage), 'BAD_INPUT', /request id must be/)
  right.send(helloFrom('right'))
  throwsCode(t, () => right.send(helloFrom('again')), 'BAD_INPUT', /hello is sent once/)
  const body = JSON.stringify({ text: 'é'.repeat(5000) }) // ~10 KB in 1,000-byte parts
  right.send({ type: 'request', id: 'r1', op: 'distribute', body })
  await waitFor(() => got.length === 2, 2000, 'two messages')
  t.same(got[0], helloFrom('right'))
  t.same(got[1], { type: 'request', id: 'r1', op: 'distribute', body }, 'a frame sent in parts arrives whole')
  t.equal(stats.framesSent, 2)
  t.equal(stats.framesReceived, 2)

  const twin = new WireChannel(a, { clusterId, onMessage: () => {}, onClose: r => { closes.push(`twin: ${r}`) } })
  await sleep(1)
  t.ok(twin.closed, 'a second channel of the same cluster on one connection does not open')
  t.ok(closes.includes('twin: a wire channel of this cluster is already open on this connection (or the peer closed it)'), 'with a reason')

  left.close('done here')
  left.close('twice')
  await waitFor(() => right.closed, 2000, 'the peer sees the close')
  t.same(closes.filter(r => !r.startsWith('twin')), ['done here'], 'onClose once, with the local reason')
  t.equal(right.closeReason, 'the peer closed the channel')
  t.notOk(a.destroyed, 'closing the channel leaves the connection to replication')
  t.equal(right.send({ type: 'heads', term: 1, heads: [] }), false, 'send on a closed channel returns false')
  a.destroy()

  for (const kind of ['throws', 'rejects'] as const) {
    const [x, y] = framedPair()
    const stats2 = createWireStats()
    let reason = ''
    const receiver = new WireChannel(x, {
      clusterId,
      stats: stats2,
      onMessage: () => { if (kind === 'throws') throw new TypeError('handler bug'); return Promise.reject(new Error('async handler bug')) },
      onClose: r => { reason = r }
    })
    const sender = new WireChannel(y, { clusterId, onMessage: () => {}, onClose: () => {} })
    receiver.open(); sender.open()
    sender.send(helloFrom('y'))
    await waitFor(() => receiver.closed, 2000, `the receiver closes after its handler ${kind}`)
    t.equal(stats2.handlerErrors, 1, `a handler that ${kind} is counted`)
    t.match(reason, /^our message handler failed: (async )?handler bug/)
    t.ok(x.destroyed, 'and its connection is closed')
  }
})

t.test('in memory: limits on frames that arrive in parts', async t => {
  const clusterId = randomBytes(32)
  const hello = Buffer.concat([Buffer.from([0]), encodeMessage(helloFrom('raw'))])
  const receiverOn = (stream: WireStream): { channel: WireChannel, stats: WireStats, invalid: () => string } => {
    const stats = createWireStats()
    let invalid = ''
    const channel = new WireChannel(stream, { clusterId, stats, onMessage: () => {}, onClose: () => {}, onInvalid: r => { invalid = r } })
    channel.open()
    return { channel, stats, invalid: () => invalid }
  }
  const cases: Array<[string, (send: (part: Buffer) => boolean) => void, RegExp]> = [
    ['over MAX_FRAME_BYTES, after hello', send => {
      send(hello)
      const part = Buffer.concat([Buffer.from([1]), Buffer.alloc(WIRE_PART_BYTES, 0x20)])
      for (let i = 0; i <= MAX_FRAME_BYTES / WIRE_PART_BYTES; i++) send(part)
    }, new RegExp(`^a frame over ${MAX_FRAME_BYTES} bytes$`)],
    ['over a hello\'s size, before hello', send => { send(Buffer.concat([Buffer.from([1]), Buffer.alloc(MAX_HELLO_FRAME_BYTES + 1)])) }, /^a first frame over 4112 bytes/],
    ['in more than MAX_FRAME_PARTS parts', send => { send(hello); for (let i = 0; i <= MAX_FRAME_PARTS; i++) send(Buffer.from([1, 0x20])) }, /^a frame in more than 1024 parts$/],
    ['an empty part before the last', send => { send(Buffer.from([1])) }, /^an empty part before the last$/],
    ['an unknown part flag', send => { send(Buffer.from([2, 0])) }, /^an unknown part flag 2$/]
  ]
  for (const [label, attack, pattern] of cases) {
    const [a, b] = framedPair()
    const receiver = receiverOn(a)
    attack(rawChannel(b, clusterId).send)
    await waitFor(() => receiver.channel.closed, 10_000, label)
    t.match(receiver.invalid(), pattern, label)
    t.equal(receiver.stats.invalidFrames, 1, `${label}: counted once`)
    t.ok(a.destroyed, `${label}: the connection is closed`)
  }

  // Our own sender keeps within the limits: one-byte parts are widened so a frame needs at most MAX_FRAME_PARTS.
  const [a, b] = framedPair()
  const got: WireMessage[] = []
  const receiver = new WireChannel(a, { clusterId, onMessage: m => { got.push(m) }, onClose: () => {} })
  const sender = new WireChannel(b, { clusterId, onMessage: () => {}, onClose: () => {}, partBytes: 1 })
  receiver.open(); sender.open()
  const body = JSON.stringify('x'.repeat(20_000))
  sender.send(helloFrom('small parts'))
  sender.send({ type: 'request', id: 'big', op: 'distribute', body })
  await waitFor(() => got.length === 2, 10_000, 'a frame in narrow parts')
  t.same(got[1], { type: 'request', id: 'big', op: 'distribute', body }, 'arrives whole')
  t.notOk(receiver.closed)
})

t.test('in memory: 10,000 hostile first frames, each on its own connection', async t => {
  const clusterId = randomBytes(32)
  const stats = createWireStats()
  const random = prng(0xb222)
  const TOTAL = 10_000
  const BATCH = 250
  const tally = { refused: 0, delivered: 0, pending: 0, wrong: [] as string[] }
  for (let done = 0; done < TOTAL; done += BATCH) {
    const runs = Array.from({ length: BATCH }, () => {
      const [a, b] = framedPair()
      const run = { a, b, part: Buffer.alloc(0) as Buffer, expected: 'refused' as Outcome, delivered: 0, invalid: 0, reason: null as string | null, channel: null as WireChannel | null }
      run.channel = new WireChannel(a, {
        clusterId,
        stats,
        onMessage: () => { run.delivered++ },
        onClose: r => { run.reason = r },
        onInvalid: () => { run.invalid++ }
      })
      run.channel.open()
      run.part = hostilePart(random)
      run.expected = expectedOutcome(run.part)
      rawChannel(b, clusterId).send(run.part)
      return run
    })
    await waitFor(() => runs.every(r => r.expected === 'refused' ? r.reason !== null : r.expected === 'delivered' ? r.delivered === 1 : true), 10_000, 'a batch of hostile frames')
    await sleep(0)
    for (const run of runs) {
      tally[run.expected]++
      const ok = run.expected === 'refused'
        ? run.invalid === 1 && run.delivered === 0 && run.a.destroyed && /^invalid frame: /.test(run.reason ?? '')
        : run.expected === 'delivered'
          ? run.invalid === 0 && run.delivered === 1 && run.reason === null
          : run.invalid === 0 && run.delivered === 0 && run.reason === null
      if (!ok && tally.wrong.length < 5) tally.wrong.push(`${run.expected}: ${run.part.toString('hex').slice(0, 80)} -> delivered ${run.delivered}, invalid ${run.invalid}, ${run.reason ?? 'open'}`)
      run.a.destroy()
      run.b.destroy()
    }
  }
  t.same(tally.wrong, [], 'every connection did what its frame called for')
  t.equal(stats.invalidFrames, tally.refused, `${tally.refused} refused frames, each counted once (${tally.delivered} valid hellos delivered, ${tally.pending} first parts pending)`)
  t.ok(tally.refused > TOTAL * 0.7 && tally.delivered > 0, 'the mix holds both kinds')
})

// ---- over Hyperswarm ------------------------------------------------------------------------------------------

interface Peer {
  name: string
  swarm: Hyperswarm
  channels: WireChannel[]
  received: Array<{ from: string, message: WireMessage }>
  closes: string[]
  invalid: string[]
  stats: WireStats
}

function startPeer (t: Test, name: string, dht: HyperDHT, clusterId: Buffer): Peer {
  const swarm = new Hyperswarm({ dht })
  const peer: Peer = { name, swarm, channels: [], received: [], closes: [], invalid: [], stats: createWireStats() }
  swarm.on('connection', connection => {
    connection.on('error', () => {})
    const channel = new WireChannel(connection, {
      clusterId,
      stats: peer.stats,
      onMessage: (message, ch) => {
        peer.received.push({ from: hex(connection.remotePublicKey), message })
        if (message.type === 'request') ch.send({ type: 'response', id: message.id, ok: true, body: JSON.stringify({ by: name, echo: JSON.parse(message.body) }) })
      },
      onClose: reason => { peer.closes.push(reason) },
      onInvalid: reason => { peer.invalid.push(reason) }
    })
    peer.channels.push(channel)
    channel.open()
    channel.send(helloFrom(name))
  })
  t.teardown(async () => { await swarm.destroy().catch(() => {}) })
  return peer
}

function openChannelTo (peer: Peer, other: Peer): WireChannel | undefined {
  return peer.channels.find(ch => ch.isOpen && ch.remotePublicKey?.equals(other.swarm.keyPair.publicKey) === true)
}

async function meet (peers: Peer[], topic: Buffer, connected: () => boolean): Promise<void> {
  const refreshers = peers.map(p => refreshDiscovery(p.swarm.join(topic), connected, [100, 250, 500, 1000, 2000, 4000]))
  try {
    await waitFor(connected, 10_000, `${peers.map(p => p.name).join(', ')} to connect`)
  } finally {
    for (const r of refreshers) r.stop()
  }
}

t.test('over Hyperswarm: messages both ways, other clusters refused, a barrage survived', async t => {
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  t.teardown(async () => { await testnet.destroy() })
  const clusterId = randomBytes(32)
  const topic = randomBytes(32)
  const a = startPeer(t, 'a', testnet.createNode(), clusterId)
  const b = startPeer(t, 'b', testnet.createNode(), clusterId)

  const started = Date.now()
  await meet([a, b], topic, () => openChannelTo(a, b) !== undefined && openChannelTo(b, a) !== undefined)
  t.comment(`a and b connected and opened their channels in ${Date.now() - started} ms`)
  const ab = openChannelTo(a, b) as WireChannel
  const ba = openChannelTo(b, a) as WireChannel
  const heads = [{ writer: 'e'.repeat(64), length: 12 }]
  ab.send({ type: 'heads', term: 1, heads })
  ab.send({ type: 'request', id: 'a-1', op: 'retrieve', body: '{"address":"ucxl://p/"}' })
  ba.send({ type: 'request', id: 'b-1', op: 'sync', body: '[1,2,3]' })
  await waitFor(() => a.received.length >= 3 && b.received.length >= 4, 5000, 'the exchange')
  const fromB = a.received.filter(r => r.from === hex(b.swarm.keyPair.publicKey)).map(r => r.message)
  const fromA = b.received.filter(r => r.from === hex(a.swarm.keyPair.publicKey)).map(r => r.message)
  t.same(fromA, [
    helloFrom('a'),
    { type: 'heads', term: 1, heads },
    { type: 'request', id: 'a-1', op: 'retrieve', body: '{"address":"ucxl://p/"}' },
    { type: 'response', id: 'b-1', ok: true, body: JSON.stringify({ by: 'a', echo: [1, 2, 3] }) }
  ], 'b got hello, heads, a request and the answer to its own, in order')
  t.same(fromB, [
    helloFrom('b'),
    { type: 'request', id: 'b-1', op: 'sync', body: '[1,2,3]' },
    { type: 'response', id: 'a-1', ok: true, body: JSON.stringify({ by: 'b', echo: { address: 'ucxl://p/' } }) }
  ], 'a got hello, a request and the answer to its own')

  // A peer of another cluster connects, but no wire channel opens either way.
  const other = startPeer(t, 'other', testnet.createNode(), randomBytes(32))
  other.swarm.joinPeer(a.swarm.keyPair.publicKey)
  await waitFor(() => other.channels.length > 0 && other.channels.every(ch => ch.closed), 10_000, 'the other cluster\'s channel to close')
  t.equal(await other.channels[0]?.opened, false, 'its channel never opens')
  t.match(other.closes[0], /refused the channel/)
  await waitFor(() => a.channels.some(ch => ch.closed && ch.remotePublicKey?.equals(other.swarm.keyPair.publicKey) === true), 5000, 'a to drop its side')
  t.notOk(a.received.some(r => r.from === hex(other.swarm.keyPair.publicKey)), 'a received nothing from the other cluster')
  t.notOk(other.received.length > 0, 'and the other cluster nothing from a')
  t.equal(a.stats.invalidFrames, 0, 'a refused channel is not an invalid frame')

  // The barrage: 200 connections with fresh keys, each sending 49 hostile parts and a last, surely bad one.
  const attacker = testnet.createNode()
  const random = prng(0x5eed)
  const CONNECTIONS = 200
  const PARTS = 50
  const BAD = Buffer.from([7]) // an unknown part flag
  const before = a.stats.invalidFrames
  const barrageStarted = Date.now()
  let sent = 0
  let closedByReceiver = 0
  let next = 0
  const attack = async (mode: 'channel' | 'garbage'): Promise<boolean> => {
    const stream = attacker.connect(a.swarm.keyPair.publicKey, { keyPair: HyperDHT.keyPair() })
    stream.on('error', () => {})
    const closed = new Promise<boolean>(resolve => { stream.once('close', () => { resolve(true) }) })
    const opened = await within(Promise.race([new Promise<boolean>(resolve => { stream.once('open', () => { resolve(true) }) }), closed.then(() => false)]), 10_000, 'an attacker connection')
    if (!opened) throw new Error('an attacker connection did not open')
    if (mode === 'channel') {
      const raw = rawChannel(stream, clusterId)
      for (let i = 0; i < PARTS - 1; i++) { raw.send(hostilePart(random)); sent++ }
      raw.send(BAD); sent++
    } else {
      for (let i = 0; i < 20; i++) stream.write(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))))
    }
    const byReceiver = await orAfter(closed, mode === 'channel' ? 10_000 : 300, false)
    if (!byReceiver) stream.destroy()
    return byReceiver
  }
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next < CONNECTIONS) {
      next++
      if (await attack('channel')) closedByReceiver++
    }
  }))
  t.comment(`${CONNECTIONS} hostile connections, ${sent} parts, in ${Date.now() - barrageStarted} ms`)
  t.ok(sent >= 10_000, `${sent} hostile parts sent`)
  t.equal(closedByReceiver, CONNECTIONS, 'the receiver closed every hostile connection')
  await waitFor(() => a.stats.invalidFrames - before === CONNECTIONS, 5000, 'every bad connection to be counted')
  t.equal(a.stats.invalidFrames - before, CONNECTIONS, 'each bad connection counted once')
  t.equal(a.invalid.length, CONNECTIONS, 'and reported once through onInvalid')

  // Garbage below Protomux: the mux destroys the connection, or ignores frames for channels that do not exist.
  next = 0
  await Promise.all(Array.from({ length: 5 }, async () => { while (next < 20) { next++; await attack('garbage') } }))

  // Afterwards a and b still talk, and a newcomer is served.
  t.ok(ab.isOpen && ba.isOpen, 'the well-behaved channel stayed open')
  ba.send({ type: 'request', id: 'b-2', op: 'status', body: '{}' })
  await waitFor(() => b.received.some(r => r.message.type === 'response' && r.message.id === 'b-2'), 5000, 'a to answer b after the barrage')
  const late = startPeer(t, 'late', testnet.createNode(), clusterId)
  late.swarm.joinPeer(a.swarm.keyPair.publicKey)
  await waitFor(() => openChannelTo(late, a) !== undefined, 10_000, 'a newcomer to connect')
  ;(openChannelTo(late, a) as WireChannel).send({ type: 'request', id: 'l-1', op: 'status', body: 'null' })
  await waitFor(() => late.received.some(r => r.message.type === 'response' && r.message.id === 'l-1'), 5000, 'a to answer the newcomer')
  t.pass('a still serves a newcomer after the barrage')
})
