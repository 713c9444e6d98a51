import t from 'tap'
import { detectLanguage, languageFromShebang, isParsedLanguage, isCodeLanguage, GRAMMAR_NAMES, PARSED_LANGUAGES } from '../../src/intelligence/languages.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { GRAMMAR_DIRECTORY } from '../../src/intelligence/tree-sitter-runtime.js'

t.test('extensions name the 15 parsed languages (and C, parsed with the C++ grammar)', async t => {
  const cases: Array<[string, string]> = [
    ['deploy.sh', 'bash'], ['lib.bash', 'bash'], ['Program.cs', 'csharp'], ['main.c', 'c'], ['util.h', 'c'],
    ['engine.cpp', 'cpp'], ['engine.hpp', 'cpp'], ['a.cc', 'cpp'], ['site.css', 'css'], ['main.go', 'go'],
    ['setup.cfg', 'ini'], ['php.ini', 'ini'], ['App.java', 'java'], ['index.js', 'javascript'], ['x.mjs', 'javascript'],
    ['x.cjs', 'javascript'], ['view.jsx', 'javascript'], ['index.php', 'php'], ['setup.ps1', 'powershell'],
    ['Mod.psm1', 'powershell'], ['app.py', 'python'], ['types.pyi', 'python'], ['model.rb', 'ruby'], ['Rakefile', 'ruby'],
    ['Gemfile', 'ruby'], ['lib.rs', 'rust'], ['App.tsx', 'tsx'], ['index.ts', 'typescript'], ['x.mts', 'typescript'],
    ['types.d.ts', 'typescript']
  ]
  for (const [path, language] of cases) t.equal(detectLanguage(`src/${path}`), language, path)
  t.equal(GRAMMAR_NAMES.c, 'cpp')
  t.equal(GRAMMAR_NAMES.csharp, 'c-sharp')
  for (const language of PARSED_LANGUAGES) {
    t.ok(isParsedLanguage(language))
    t.ok(existsSync(join(GRAMMAR_DIRECTORY, `tree-sitter-${GRAMMAR_NAMES[language]}.wasm`)), `${language} has a grammar`)
  }
  t.equal(new Set(Object.values(GRAMMAR_NAMES)).size, 15, '15 distinct grammars')
})

t.test('non-code kinds are named, never parsed', async t => {
  const cases: Array<[string, string]> = [
    ['README.md', 'markdown'], ['package.json', 'json'], ['ci.yml', 'yaml'], ['ci.yaml', 'yaml'], ['Cargo.toml', 'toml'],
    ['pom.xml', 'xml'], ['App.csproj', 'xml'], ['index.html', 'html'], ['schema.sql', 'sql'], ['Makefile', 'makefile'],
    ['rules.mk', 'makefile'], ['Dockerfile', 'dockerfile'], ['Dockerfile.prod', 'dockerfile'], ['notes.txt', 'text'],
    ['LICENSE', 'text'], ['.env', 'dotenv'], ['requirements-dev.txt', 'text'], ['go.mod', 'gomod']
  ]
  for (const [path, language] of cases) {
    t.equal(detectLanguage(path), language, path)
    t.notOk(isParsedLanguage(language), `${language} is not parsed`)
  }
  t.equal(detectLanguage('data.unknownext'), null)
  t.equal(detectLanguage('noextension'), null)
  t.notOk(isCodeLanguage('markdown'))
  t.notOk(isCodeLanguage(null))
  t.ok(isCodeLanguage('python'))
})

t.test('a shebang names the language of a file without an extension', async t => {
  const cases: Array<[string, string | null]> = [
    ['#!/usr/bin/env python3\nprint(1)\n', 'python'],
    ['#!/usr/bin/python3.11\n', 'python'],
    ['#!/bin/bash\nset -e\n', 'bash'],
    ['#!/bin/sh\n', 'bash'],
    ['#!/usr/bin/env node\n', 'javascript'],
    ['#!/usr/bin/env -S node --no-warnings\n', 'javascript'],
    ['#!/usr/bin/env ruby\n', 'ruby'],
    ['#!/usr/bin/php\n', 'php'],
    ['#!/usr/bin/env pwsh\n', 'powershell'],
    ['#!/usr/bin/env deno\n', 'typescript'],
    ['#!/usr/bin/env unknown-interpreter\n', null],
    ['no shebang\n', null]
  ]
  for (const [head, language] of cases) {
    t.equal(languageFromShebang(head), language, JSON.stringify(head))
    t.equal(detectLanguage('bin/tool', head), language, `bin/tool with ${JSON.stringify(head)}`)
  }
  t.equal(detectLanguage('script.rb', '#!/usr/bin/env python3\n'), 'ruby', 'an extension wins over a shebang')
})
