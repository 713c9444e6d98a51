import t from 'tap'
import { characterCount, forTerminal, hasControlCharacter, hasLayoutCharacter, printable } from '../src/text.js'

t.test('forTerminal: controls and layout characters become escapes; colours, line feeds and tabs stay', async t => {
  t.equal(forTerminal('a\u001b[2Jb'), 'a\\x1b[2Jb', 'clear screen')
  t.equal(forTerminal('a\u001b]0;title\u0007b'), 'a\\x1b]0;title\\x07b', 'a window title (OSC) and a bell')
  t.equal(forTerminal('over\rwrite'), 'over\\x0dwrite')
  t.equal(forTerminal('x\u202Ey\u2066z\u2028w'), 'x\\u202ey\\u2066z\\u2028w')
  t.equal(forTerminal('x\u009by'), 'x\\x9by', 'a C1 control sequence introducer')
  t.equal(forTerminal('\u001b[36mhead\u001b[39m\tcell\nnext', true), '\u001b[36mhead\u001b[39m\tcell\nnext', 'with colour on, colour sequences, tabs and line feeds are kept')
  t.equal(forTerminal('\u001b[31mred\u001b[0m\tcell'), '\\x1b[31mred\\x1b[0m\tcell', 'with colour off (a pipe, --no-color), colour sequences are escaped too')
  t.equal(forTerminal('naïve 日本 🚀'), 'naïve 日本 🚀', 'other text is unchanged')
})

t.test('printable: escaped and cut for a message', async t => {
  t.equal(printable('a\nb'), 'a\\x0ab')
  t.equal(printable('x'.repeat(100)), 'x'.repeat(77) + '...')
  t.equal(printable('x'.repeat(100), 10), 'x'.repeat(7) + '...')
})

t.test('characters and checks', async t => {
  t.equal(characterCount('🚀🚀'), 2)
  t.equal(characterCount('abc'), 3)
  t.ok(hasControlCharacter('a\u0000'))
  t.notOk(hasControlCharacter('a b'))
  t.ok(hasLayoutCharacter('a\u2029'))
  t.ok(hasLayoutCharacter('a\u202A'))
  t.notOk(hasLayoutCharacter('a\u200Bb'), 'a zero-width space is not a layout control')
})
