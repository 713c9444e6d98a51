import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findStdlibCorpus } from '../bench/analyze.js'
import { pythonSkeleton, type Skeleton } from '../../src/intelligence/python-skeleton.js'
import { TreeSitterRuntime } from '../../src/intelligence/tree-sitter-runtime.js'
import { SymbolExtractor } from '../../src/intelligence/extract.js'

/** The skeleton's lines put back on the source lines they stand for ('' where a line was left out). */
function placed (skeleton: Skeleton, source: string): string[] {
  const lines = new Array<string>(source.split('\n').length).fill('')
  skeleton.text.split('\n').forEach((line, i) => { lines[skeleton.rows[i]!] = line })
  return lines
}

/** The text handed over for the docstring placeholder on the skeleton's line for source line `row`. */
function stringAt (skeleton: Skeleton, row: number): string | undefined {
  return skeleton.strings.get(skeleton.rows.indexOf(row))
}

const SOURCE = [
  '#!/usr/bin/env python3',                          // 1
  '"""A module with every shape the skeleton must keep.',  // 2
  '',                                                 // 3
  'Second paragraph, cut from the skeleton."""',     // 4
  'import os',                                        // 5
  'try:',                                             // 6
  '    import json',                                  // 7
  'except ImportError:',                              // 8
  '    json = None',                                  // 9
  'TABLE = {',                                        // 10
  '    "a": (1, 2),',                                 // 11
  '    "def": """not a def"""',                       // 12
  '}',                                                // 13
  'x = 1 + \\',                                       // 14
  '    2',                                            // 15
  '',                                                 // 16
  '@decorator(',                                      // 17
  '    "arg")',                                       // 18
  'class Shape(Base,',                                // 19
  '            Mixin):',                              // 20
  "    '''A shape.'''",                               // 21
  '    sides = 0',                                    // 22
  '',                                                 // 23
  '    def area(self,',                               // 24
  '             scale=1):  # comment',               // 25
  '        """Area of the shape."""',                 // 26
  '        from math import pi',                      // 27
  '        if scale:',                                // 28
  '            import decimal',                       // 29
  '        def helper():',                            // 30
  '            return "def fake():"',                 // 31
  '        return pi * scale',                        // 32
  '',                                                 // 33
  '    async def load(self): return await self.fetch()', // 34
  '',                                                 // 35
  'def _private(a, b=[1,',                            // 36
  '                   2]):',                          // 37
  '    s = """',                                      // 38
  '    def not_a_function():',                        // 39
  '    """',                                          // 40
  '    return s',                                     // 41
  '',                                                 // 42
  'if __name__ == "__main__":',                       // 43
  '    def main():',                                  // 44
  '        pass',                                     // 45
  '    main()',                                       // 46
  ''
].join('\n')

t.test('the skeleton keeps only the declarations, each line with the source line it stands for', async t => {
  const skeleton = pythonSkeleton(SOURCE)
  const kept = skeleton.text.split('\n')
  t.equal(kept.length, skeleton.rows.length, 'a source line for every line')
  t.ok(skeleton.rows.every((row, i) => i === 0 || row > skeleton.rows[i - 1]!), 'in order')
  t.notOk(kept.includes(''), 'no blank line stands for a blanked one')
  t.ok(skeleton.text.length < SOURCE.length * 0.5, 'much shorter')
  const lines = placed(skeleton, SOURCE)
  t.equal(lines[1], '""', 'a docstring is an empty literal in the skeleton')
  t.equal(stringAt(skeleton, 1), '"""A module with every shape the skeleton must keep.\n"""', 'its text, cut after the first paragraph and closed, is handed over by line')
  t.equal(stringAt(skeleton, 20), "'''A shape.'''")
  t.equal(lines[18], 'class Shape:', 'a class header is cut to its name')
  t.equal(lines[19], '', 'and its other lines left out')
  t.equal(lines[23], '    def area(): ""', 'so is a def header, with its docstring on its line')
  t.equal(stringAt(skeleton, 23), '"""Area of the shape."""')
  t.equal(lines[24], '')
  t.equal(lines[3], '')
  t.equal(lines[4], 'import os')
  t.equal(lines[6], '    import json')
  t.equal(lines[8], '    pass', 'an emptied block gets a pass')
  for (const index of [9, 10, 11, 12, 13, 14, 21, 25, 27, 28, 29, 30, 31, 37, 38, 39, 40, 44, 45]) t.equal(lines[index], '', `line ${index + 1} is left out`)
  t.same(skeleton.symbols, [{ name: 'TABLE', kind: 'variable', line: 10 }, { name: 'x', kind: 'variable', line: 14 }], 'module-level assignments are handed over')
  t.equal(lines[33], '    async def load(self): return await self.fetch()', 'a one-line def stays whole')
  t.equal(lines[35], 'def _private(): pass', 'a multi-line header is cut to one line, and a function without a docstring gets a pass')
  t.equal(lines[36], '')
  t.equal(lines[43], '    def main(): pass')
  t.same(skeleton.imports, ['math', 'math.pi', 'decimal'], 'imports inside function bodies are read from their lines')
})

t.test('extraction from the skeleton equals extraction from the source', async t => {
  const grammar = await (await TreeSitterRuntime.load()).grammar('python')
  const fast = new SymbolExtractor(grammar).extract(SOURCE)
  const full = new SymbolExtractor({ ...grammar, spec: { ...grammar.spec, skeleton: undefined } }).extract(SOURCE)
  t.same(fast.symbols, full.symbols)
  t.same(fast.symbols.map((symbol) => `${symbol.kind} ${symbol.name}@${symbol.line}`), [
    'constant TABLE@10', 'variable x@14', 'class Shape@19', 'method area@24', 'method load@34', 'function _private@36', 'function main@44'
  ])
  t.equal(fast.doc, full.doc)
  t.same([...fast.imports].sort(), [...new Set([...full.imports, 'decimal'])].sort(), 'the skeleton also finds imports nested deep in functions')
})

t.test('module-level assignments to a name are symbols, read from the skeleton as from the source', async t => {
  const source = [
    '"""Settings."""',                               // 1
    'from typing import Any, TypeAlias, TypeVar',    // 2
    '__all__ = ["MAX_SIZE", "T"]',                   // 3
    '__version__ = "1.0"',                           // 4
    'MAX_SIZE = 10',                                 // 5
    '_DEFAULT_TIMEOUT = 3.5  # seconds',             // 6
    "T = TypeVar('T')",                              // 7
    'JsonDict: TypeAlias = dict[str, Any]',          // 8
    'registry: dict[str, int]',                      // 9
    'LIMITS = {',                                    // 10
    '    "a": 1,',                                   // 11
    '    "b": """x = 1""",',                         // 12
    '}',                                             // 13
    'total = 1 + \\',                                // 14
    '    2',                                         // 15
    'first = second = 3',                            // 16
    'x, y = 1, 2',                                   // 17
    'config.debug = True',                           // 18
    'items[0] = 1',                                  // 19
    'counter += 1',                                  // 20
    'counter == 2',                                  // 21
    'if registry:',                                  // 22
    '    WINDOWS = True',                            // 23
    'class Config:',                                 // 24
    '    LIMIT = 5',                                 // 25
    '    def load(self):',                           // 26
    '        CACHE = {}',                            // 27
    'def main():',                                   // 28
    '    local = 1',                                 // 29
    'ON = 1; OFF = 0',                               // 30
    ''
  ].join('\n')
  const skeleton = pythonSkeleton(source)
  const lines = placed(skeleton, source)
  for (const index of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24, 26, 28]) t.equal(lines[index], '', `line ${index + 1} is left out`)
  t.same(skeleton.symbols.map((symbol) => `${symbol.name}@${symbol.line}`), [
    '__all__@3', '__version__@4', 'MAX_SIZE@5', '_DEFAULT_TIMEOUT@6', 'T@7', 'JsonDict@8', 'registry@9', 'LIMITS@10', 'total@14', 'first@16'
  ], 'module-level assignments to a name are handed over beside the skeleton, by their first line')
  t.same([lines[22], lines[25], lines[27]], ['    pass', '    def load(): pass', 'def main(): pass'], 'assignments in blocks are not kept')
  t.equal(lines[29], 'ON = 1; OFF = 0', 'a statement with a semicolon is kept whole')
  const grammar = await (await TreeSitterRuntime.load()).grammar('python')
  const fast = new SymbolExtractor(grammar).extract(source)
  const full = new SymbolExtractor({ ...grammar, spec: { ...grammar.spec, skeleton: undefined } }).extract(source)
  t.same(fast.symbols, full.symbols)
  t.same(fast.symbols.map((symbol) => `${symbol.kind} ${symbol.name}@${symbol.line}${symbol.exported === true ? ' +' : ' -'}`), [
    'constant MAX_SIZE@5 +', 'constant _DEFAULT_TIMEOUT@6 -', 'constant T@7 +', 'variable JsonDict@8 +', 'variable registry@9 +', 'constant LIMITS@10 +',
    'variable total@14 +', 'variable first@16 +', 'class Config@24 +', 'method load@26 +', 'function main@28 +', 'constant ON@30 +', 'constant OFF@30 +'
  ])
})

t.test('a docstring that is not one plain literal stays as it is', async t => {
  const source = [
    'def f():',
    '    "a" "b"',
    '',
    'def g():',
    "    '''x''' + y",
    '',
    'def h():',
    '    r"""raw \\\\""" # note',
    '    return 1',
    '',
    'def k():',
    '    """Quotes \\""" inside."""',
    ''
  ].join('\n')
  const skeleton = pythonSkeleton(source)
  const lines = placed(skeleton, source)
  t.same([lines[0], lines[1]], ['def f():', '    "a" "b"'], 'kept whole, the header on its own line')
  t.equal(lines[4], "    '''x''' + y")
  t.same([lines[6], lines[7]], ['def h(): ""', ''], 'a raw literal ending in an escaped backslash, a comment after it: a docstring')
  t.equal(stringAt(skeleton, 6), 'r"""raw \\\\"""')
  const grammar = await (await TreeSitterRuntime.load()).grammar('python')
  const fast = new SymbolExtractor(grammar).extract(source)
  const full = new SymbolExtractor({ ...grammar, spec: { ...grammar.spec, skeleton: undefined } }).extract(source)
  t.same(fast.symbols, full.symbols)
  t.same(fast.symbols.map((symbol) => symbol.doc), [undefined, undefined, 'raw \\\\', 'Quotes \\""" inside.'], 'an escaped closing quote does not end a docstring')
})

t.test('a skeleton that does not parse cleanly falls back to the source', async t => {
  const grammar = await (await TreeSitterRuntime.load()).grammar('python')
  const broken = new SymbolExtractor({ ...grammar, spec: { ...grammar.spec, skeleton: () => ({ text: 'def (((\n', rows: [0, 1], imports: ['bogus'], symbols: [{ name: 'bogus', kind: 'variable', line: 1 }] }) } })
  const result = broken.extract('def ok():\n    """Fine."""\n')
  t.same(result.symbols.map((symbol) => symbol.name), ['ok'])
  t.same(result.imports, [], 'the skeleton\'s own findings are dropped with it')
})

t.test('over the Python standard library, extraction from the skeleton equals extraction from the source', async t => {
  const corpus = await findStdlibCorpus()
  if ('skipped' in corpus) { t.pass(`not run: ${corpus.skipped}`); return }
  const grammar = await (await TreeSitterRuntime.load()).grammar('python')
  const fast = new SymbolExtractor(grammar)
  const full = new SymbolExtractor({ ...grammar, spec: { ...grammar.spec, skeleton: undefined } })
  // A third of the files (all of them take about 4 s on one thread), every kind of module among them.
  const files = corpus.files.filter((_, i) => i % 3 === 0)
  const differ: string[] = []
  let symbols = 0
  for (const file of files) {
    const source = readFileSync(join(corpus.root, file), 'utf8')
    const a = fast.extract(source)
    const b = full.extract(source)
    symbols += b.symbols.length
    if (JSON.stringify(a.symbols) !== JSON.stringify(b.symbols) || a.doc !== b.doc) differ.push(file)
  }
  t.ok(files.length > 100 && symbols > 5000, `${files.length} files, ${symbols} symbols`)
  t.same(differ, [], 'the same symbols (names, kinds, lines, parents, docs) and module doc in every file')
})
