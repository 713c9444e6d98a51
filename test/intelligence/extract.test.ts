import t from 'tap'
import { TreeSitterRuntime } from '../../src/intelligence/tree-sitter-runtime.js'
import { FileAnalyzer } from '../../src/intelligence/file-analyzer.js'
import type { FileAnalysis } from '../../src/intelligence/types.js'
import type { SymbolInfo } from '../../src/context/record.js'
import { MAX_SYMBOLS_PER_FILE } from '../../src/intelligence/extract.js'

const analyzer = new FileAnalyzer(await TreeSitterRuntime.load())
const analyze = (language: string, source: string): Promise<FileAnalysis> => analyzer.analyze(language, Buffer.from(source))

/** `kind name@line` (and `<parent` for methods, `+` exported, `-` not exported): compact and exact. */
function brief (symbol: SymbolInfo): string {
  const parent = symbol.parent === undefined ? '' : ` <${symbol.parent}`
  const exported = symbol.exported === undefined ? '' : symbol.exported ? ' +' : ' -'
  return `${symbol.kind} ${symbol.name}@${symbol.line}${parent}${exported}`
}

const docOf = (analysis: FileAnalysis, name: string): string | undefined => analysis.symbols.find((symbol) => symbol.name === name)?.doc

t.test('languages that share a grammar and a spec (C and C++) share one parser and one compiled query per thread', async t => {
  const runtime = await TreeSitterRuntime.load()
  const [c, cpp, python] = await Promise.all([runtime.grammar('c'), runtime.grammar('cpp'), runtime.grammar('python')])
  t.equal(c.query, cpp.query, 'the C++ query (about 0.2 s to compile) is compiled once')
  t.equal(c.parser, cpp.parser)
  t.same([c.language, cpp.language], ['c', 'cpp'], 'each still says which language it is')
  t.not(python.query, cpp.query)
  const header = await analyzer.analyze('c', new TextEncoder().encode('int add(int a, int b);\n'))
  const source = await analyzer.analyze('cpp', new TextEncoder().encode('namespace geo { double area(); }\n'))
  t.same([header.symbols.map(s => s.name), source.symbols.map(s => s.name)], [['add'], ['geo', 'area']], 'and both parse with it')
})

t.test('python: classes, methods with their class, docstrings, underscore privacy, imports, module docstring', async t => {
  const a = await analyze('python', [
    '#!/usr/bin/env python3',
    '"""Billing helpers. More detail here."""',
    'import os, sys as system',
    'from .db import conn',
    'from . import util',
    '',
    '@decorator',
    'class Invoice(Base):',
    '    """An invoice."""',
    '    def total(self):',
    '        """Sum of the lines."""',
    '        import json',
    '        def inner(): pass',
    '        return 1',
    '',
    'def _private():',
    '    pass',
    '',
    'if __name__ == "__main__":',
    '    main()',
    ''
  ].join('\n'))
  t.same(a.symbols.map(brief), ['class Invoice@8 +', 'method total@10 <Invoice +', 'function _private@16 -'])
  t.equal(docOf(a, 'Invoice'), 'An invoice.')
  t.equal(docOf(a, 'total'), 'Sum of the lines.')
  t.same([...a.imports].sort(), ['.', '.db', '.db.conn', '.util', 'json', 'os', 'sys'], 'a from-import gives its module and the lower-case names that may be submodules')
  t.equal(a.doc, 'Billing helpers. More detail here.')
  t.match(a.entry, /__main__/)
  t.equal(a.lines, 20)
})

t.test('typescript: interfaces, types, enums, abstract classes, namespaces, exports and imports', async t => {
  const a = await analyze('typescript', [
    '/** Types of the client. */',
    "import type { X } from './x.js'",
    "import * as path from 'node:path'",
    'export interface User { name: string }',
    'export type Id = string',
    'export enum Color { Red }',
    '/** The base. */',
    'export abstract class Base { abstract go(): void; protected helper(): void {} }',
    'export class Impl extends Base { go(): void {} }',
    'namespace NS { export const a = 1 }',
    'export declare function decl(): void',
    'function local(): void {}',
    'export const fn = (): number => 1',
    "const lazy = require('./lazy')"
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'interface User@4 +', 'type Id@5 +', 'enum Color@6 +', 'constant Red@6 <Color', 'class Base@8 +', 'method go@8 <Base', 'method helper@8 <Base',
    'class Impl@9 +', 'method go@9 <Impl', 'namespace NS@10 -', 'constant a@10 +', 'function decl@11 +', 'function local@12 -', 'function fn@13 +'
  ])
  t.equal(docOf(a, 'Base'), 'The base.')
  t.same(a.imports, ['./x.js', 'node:path', './lazy'])
  t.equal(a.doc, 'Types of the client.')
})

t.test('tsx: components as functions, default exports', async t => {
  const a = await analyze('tsx', [
    "import React from 'react'",
    '/** A button. */',
    'export function Button(props: { label: string }) { return <button>{props.label}</button> }',
    'const Card = () => <div />',
    'export default Card'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['function Button@3 +', 'function Card@4 +'])
  t.equal(docOf(a, 'Button'), 'A button.')
  t.same(a.imports, ['react'])
})

t.test('javascript: functions, classes, arrow functions, ES and CommonJS exports, require and import()', async t => {
  const a = await analyze('javascript', [
    '#!/usr/bin/env node',
    '/** Server module. */',
    "import express from 'express'",
    "const fs = require('fs')",
    '/** Start it. */',
    'export function start () {}',
    'export default class App {',
    '  run () {}',
    '}',
    'const helper = () => 1',
    'function local () {}',
    'const config = { method () {} }',
    'export { local as other }',
    'module.exports = { helper, extra: 1 }',
    'exports.more = 2',
    "const lazy = import('./lazy.js')"
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'function start@6 +', 'class App@7 +', 'method run@8 <App', 'function helper@10 +', 'function local@11 +',
    'export extra@14 +', 'export more@15 +'
  ])
  t.equal(docOf(a, 'start'), 'Start it.')
  t.same(a.imports, ['express', 'fs', './lazy.js'])
  t.equal(a.doc, 'Server module.')
  t.match(a.entry, /shebang/)
})

t.test('javascript and typescript: exported constants and variables are symbols; an exported arrow function stays a function', async t => {
  const lines = [
    '/** Where the API lives. */',
    "export const API_URL = 'https://example.test'",
    'export let counter = 0, other = 1',
    'export var legacy = true',
    'export const handler = async () => 1',
    'const hidden = 2',
    'let alsoHidden = 3',
    'function scope () { const inner = 4; return inner }'
  ]
  const expected = ['constant API_URL@2 +', 'variable counter@3 +', 'variable other@3 +', 'variable legacy@4 +', 'function handler@5 +', 'function scope@8 -']
  const js = await analyze('javascript', lines.join('\n'))
  t.same(js.symbols.map(brief), expected)
  t.equal(docOf(js, 'API_URL'), 'Where the API lives.')
  const ts = await analyze('typescript', [...lines, 'export declare const ambient: number', 'declare const localAmbient: string'].join('\n'))
  t.same(ts.symbols.map(brief), [...expected, 'constant ambient@9 +'])
})

t.test('go: functions, methods owned by their receiver, structs, interfaces, exported by case', async t => {
  const a = await analyze('go', [
    '// Package store keeps things.',
    'package store',
    '',
    'import (',
    '\t"fmt"',
    '\tdb "database/sql"',
    ')',
    '',
    '// Store holds rows.',
    'type Store struct{ n int }',
    '',
    'type Getter interface{ Get() }',
    '',
    'type ID string',
    '',
    '// New makes a store.',
    'func New() *Store { return &Store{} }',
    '',
    'func (s *Store) Get() {}',
    'func helper() {}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'struct Store@10 +', 'interface Getter@12 +', 'method Get@12 <Getter +', 'type ID@14 +', 'function New@17 +', 'method Get@19 <Store +', 'function helper@20 -'
  ])
  t.equal(docOf(a, 'Store'), 'Store holds rows.')
  t.equal(docOf(a, 'New'), 'New makes a store.')
  t.same(a.imports, ['fmt', 'database/sql'])
  t.equal(a.doc, 'Package store keeps things.')
})

t.test('rust: items, impl methods, trait methods, pub, doc comments past attributes, use paths', async t => {
  const a = await analyze('rust', [
    '//! Crate doc.',
    'use std::collections::HashMap;',
    'use crate::db::{conn, Pool};',
    '/// A config.',
    '#[derive(Debug)]',
    'pub struct Config { x: u32 }',
    'pub enum Mode { A }',
    'pub trait Run { fn run(&self); }',
    'impl Config {',
    '    /// New config.',
    '    pub fn new() -> Self { Config { x: 1 } }',
    '    fn private(&self) {}',
    '}',
    'fn main() {}',
    'mod db;'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'struct Config@6 +', 'enum Mode@7 +', 'constant A@7 <Mode', 'trait Run@8 +', 'method run@8 <Run', 'method new@11 <Config +', 'method private@12 <Config -',
    'function main@14 -', 'module db@15 -'
  ])
  t.equal(docOf(a, 'Config'), 'A config.')
  t.equal(docOf(a, 'new'), 'New config.')
  t.same(a.imports, ['std::collections::HashMap', 'crate::db::conn', 'crate::db::Pool'])
  t.equal(a.doc, 'Crate doc.')
  t.match(a.entry, /main/)
})

t.test('java: classes, interfaces, enums, records, methods, constructors; public is exported', async t => {
  const a = await analyze('java', [
    'package com.example.app;',
    '',
    'import java.util.List;',
    'import com.example.app.db.*;',
    '',
    '/** The app. */',
    'public class App {',
    '  /** Runs. */',
    '  public static void main(String[] args) {}',
    '  private int count() { return 0; }',
    '  public App() {}',
    '}',
    'enum Mode { ON, OFF }',
    'interface Svc { void run(); }',
    'record Pair(int a, int b) {}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'class App@7 +', 'method main@9 <App +', 'method count@10 <App -', 'method App@11 <App +', 'enum Mode@13 -', 'constant ON@13 <Mode +',
    'constant OFF@13 <Mode +',
    'interface Svc@14 -', 'method run@14 <Svc +', 'class Pair@15 -'
  ])
  t.equal(docOf(a, 'App'), 'The app.')
  t.equal(docOf(a, 'main'), 'Runs.')
  t.same(a.imports, ['java.util.List', 'com.example.app.db.*'])
  t.match(a.entry, /static void main/)
})

t.test('c#: namespaces, classes, methods, interfaces, structs, enums, records; XML doc comments', async t => {
  const a = await analyze('csharp', [
    'using System;',
    'using System.Security.Cryptography;',
    'namespace Demo.Api {',
    '  /// <summary>A user.</summary>',
    '  public class User {',
    '    /// Saves it.',
    '    public void Save() {}',
    '    private int Count() { return 1; }',
    '  }',
    '  public interface IRepo { void Get(); }',
    '  public enum Color { Red }',
    '  internal struct Point { }',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace Demo.Api@3', 'class User@5 +', 'method Save@7 <User +', 'method Count@8 <User -', 'interface IRepo@10 +',
    'method Get@10 <IRepo +', 'enum Color@11 +', 'constant Red@11 <Color +', 'struct Point@12 -'
  ])
  t.equal(docOf(a, 'User'), 'A user.')
  t.same(a.imports, ['System', 'System.Security.Cryptography'])
  t.same(a.findings, [{ kind: 'crypto', line: 2 }])
})

t.test('c++ and c: classes, methods (in the class and as A::f), structs, enums, static linkage, includes', async t => {
  const cpp = await analyze('cpp', [
    '#include <vector>',
    '#include "util.h"',
    'namespace geo {',
    '// A shape.',
    'class Shape {',
    ' public:',
    '  virtual double area() const;',
    '  int sides() { return 0; }',
    '};',
    'struct Pt { int x; };',
    'enum Kind { A, B };',
    '}',
    'double geo::Shape::area() const { return 0; }',
    'static int helper(int x) { return x; }',
    'int main(int argc, char** argv) { return 0; }'
  ].join('\n'))
  t.same(cpp.symbols.map(brief), [
    'namespace geo@3', 'class Shape@5', 'method area@7 <Shape', 'method sides@8 <Shape', 'struct Pt@10', 'enum Kind@11', 'constant A@11 <Kind',
    'constant B@11 <Kind',
    'method area@13 <Shape', 'function helper@14 -', 'function main@15 +'
  ])
  t.equal(docOf(cpp, 'Shape'), 'A shape.')
  t.same(cpp.imports, ['vector', 'util.h'])
  const c = await analyze('c', '/* Checksums. */\n#include <stdio.h>\n\n/* Sum of bytes. */\nunsigned int checksum(const char *d, unsigned n) { return 0; }\ntypedef struct node { int v; } node_t;\n')
  t.same(c.symbols.map(brief), ['function checksum@5 +', 'struct node@6', 'type node_t@6'])
  t.equal(docOf(c, 'checksum'), 'Sum of bytes.')
  t.equal(c.doc, 'Checksums.')
})

t.test('php: namespaces, classes, methods with visibility, interfaces, traits, functions, use and require', async t => {
  const a = await analyze('php', [
    '<?php',
    '/** Users. */',
    'namespace App\\Http;',
    '',
    'use App\\Models\\User;',
    "require_once 'lib/helpers.php';",
    '',
    '/** Controller. */',
    'class UserController extends Controller {',
    '    public function index() { return 1; }',
    '    private function hidden() {}',
    '}',
    'interface HasName {}',
    'trait Greets {}',
    'function helper() {}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace App\\Http@3', 'class UserController@9 +', 'method index@10 <UserController +', 'method hidden@11 <UserController -',
    'interface HasName@13 +', 'trait Greets@14 +', 'function helper@15 +'
  ])
  t.equal(docOf(a, 'UserController'), 'Controller.')
  t.same(a.imports, ['App\\Models\\User', 'lib/helpers.php'])
  t.equal(a.doc, 'Users.')
})

t.test('ruby: modules, classes in modules, instance and singleton methods, top-level methods, require', async t => {
  const a = await analyze('ruby', [
    '# Billing models.',
    "require 'json'",
    "require_relative 'lib/util'",
    "puts 'not an import'",
    'module Billing',
    '  # An invoice.',
    '  class Invoice < Base',
    '    def total',
    '      `ls`',
    '    end',
    '    def self.build; end',
    '  end',
    'end',
    'def helper; end'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['module Billing@5', 'class Invoice@7 <Billing', 'method total@8 <Invoice', 'method build@11 <Invoice', 'function helper@14'])
  t.equal(docOf(a, 'Invoice'), 'An invoice.')
  t.same(a.imports, ['json', 'lib/util'])
  t.equal(a.doc, 'Billing models.')
  t.same(a.findings, [{ kind: 'exec', line: 9 }])
})

t.test('bash: functions, sourced scripts, command substitution and eval', async t => {
  const a = await analyze('bash', [
    '#!/bin/bash',
    '# Deploy helper.',
    'source ./lib/common.sh',
    '. "$HOME/env.sh"',
    'echo "no import here"',
    '# Build the thing.',
    'build() {',
    '  echo `date`',
    '}',
    'function deploy {',
    '  eval "$CMD"',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['function build@7', 'function deploy@10'])
  t.equal(docOf(a, 'build'), 'Build the thing.')
  t.same(a.imports, ['./lib/common.sh', '$HOME/env.sh'])
  t.equal(a.doc, 'Deploy helper.')
  t.same(a.findings, [{ kind: 'exec', line: 8 }, { kind: 'eval', line: 11 }])
})

t.test('powershell: functions, classes and their methods, Import-Module, using module, dot-sourcing', async t => {
  const a = await analyze('powershell', [
    '# Deploys the app.',
    'Import-Module ActiveDirectory',
    'using module MyModule',
    '. .\\helpers.ps1',
    'function Get-Thing {',
    '  param($Name)',
    '  Start-Process notepad',
    '}',
    'class Widget {',
    '  [string]$Name',
    '  [void] Render() { }',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['function Get-Thing@5', 'class Widget@9', 'method Render@11 <Widget'])
  t.same(a.imports, ['ActiveDirectory', 'MyModule', '.\\helpers.ps1'])
  t.equal(a.doc, 'Deploys the app.')
  t.same(a.findings, [{ kind: 'exec', line: 7 }])
})

t.test('css: selectors and @import', async t => {
  const a = await analyze('css', [
    '@import url("base.css");',
    "@import 'theme.css';",
    '.button { color: red; }',
    '#main > .nav a:hover { color: blue; }',
    '@media (max-width: 600px) { .small { display: none; } }'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['selector .button@3', 'selector #main > .nav a:hover@4', 'selector .small@5'])
  t.same(a.imports, ['base.css', 'theme.css'])
})

t.test('ini: sections', async t => {
  const a = await analyze('ini', '; Settings of the server.\n[server]\nport = 8080\n\n[database]\nhost = localhost\n')
  t.same(a.symbols.map(brief), ['section server@2', 'section database@5'])
  t.equal(a.doc, 'Settings of the server.')
})

t.test('a file the parser cannot make sense of keeps its language and yields no crash', async t => {
  const garbage = await analyze('python', 'def (((( :\n  class ]]] \n\u0000\u0001 ' + '('.repeat(5000))
  t.equal(garbage.language, 'python')
  t.ok(Array.isArray(garbage.symbols))
  const binaryish = await analyzer.analyze('typescript', Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81, 0x0a, 0x66, 0x6e]))
  t.equal(binaryish.language, 'typescript')
  t.same(binaryish.symbols, [])
  const markdown = await analyze('markdown', '# Title\n\n![badge](x.svg)\n\nThe first paragraph\nruns over two lines.\n\nSecond.\n')
  t.equal(markdown.doc, 'The first paragraph runs over two lines.')
  t.same(markdown.symbols, [])
  const unknown = await analyzer.analyze(null, Buffer.from('whatever\n'))
  t.equal(unknown.language, null)
  t.equal(unknown.lines, 1)
})

t.test('c headers: prototypes (also returning pointers), #define constants but not include guards, function-like macros', async t => {
  const a = await analyze('c', [
    '#ifndef UTIL_H',
    '#define UTIL_H',
    '#define MAX_LEN 256',
    '#define SQUARE(x) ((x) * (x))',
    '/* Parses a number. */',
    'int parse(const char *text);',
    'char *dup_string(const char *s);',
    'char **split(const char *s, char sep);',
    'int (*handler)(int);',
    'static inline int twice(int x) { int local(int); return 2 * x; }',
    '#endif'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'constant MAX_LEN@3', 'function SQUARE@4', 'function parse@6', 'function dup_string@7', 'function split@8', 'function twice@10 -'
  ])
  t.equal(docOf(a, 'parse'), 'Parses a number.')
})

t.test('c++: a macro before the return type, methods of a class template defined outside it, members deep in namespaces', async t => {
  const a = await analyze('cpp', [
    'API_EXPORT float fast_acos(float x) { return x; }',
    'template <typename T> T Box<T>::get() const { return value; }',
    'bool operator==(const Box<int>& a, const Box<int>& b);',
    'namespace a { namespace b { namespace c {',
    'template <typename T>',
    'class Vec {',
    ' public:',
    '  T at(int i) const { return data[i]; }',
    '};',
    '} } }'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'function fast_acos@1 +', 'method get@2 <Box', 'function operator==@3', 'namespace a@4', 'namespace b@4', 'namespace c@4',
    'class Vec@6', 'method at@8 <Vec'
  ])
})

t.test('c++: export and visibility macros in a class head keep the class and its members; methods returning pointers and references', async t => {
  const a = await analyze('cpp', [
    '#include "llvm/Pass.h"',
    'namespace llvm {',
    '/// Runs over a module.',
    'class LLVM_LIBRARY_VISIBILITY ModulePass final : public Pass, private Noncopyable {',
    'public:',
    '  explicit ModulePass(char &id);',
    '  static ModulePass *create();',
    '  const char &name() const;',
    '  bool run() override { return true; }',
    '};',
    '}',
    'struct Q_CORE_EXPORT QPoint {',
    '  int x() const;',
    '};',
    'class DLL_API ALIGNED(8) Buffer {',
    '  void clear();',
    '};',
    'class DLL_API Forward;',
    'class HANDLE final {',
    '  void close();',
    '};'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace llvm@2', 'class ModulePass@4', 'method ModulePass@6 <ModulePass', 'method create@7 <ModulePass', 'method name@8 <ModulePass',
    'method run@9 <ModulePass', 'struct QPoint@12', 'method x@13 <QPoint', 'class Buffer@15', 'method clear@16 <Buffer', 'class HANDLE@19',
    'method close@20 <HANDLE'
  ])
  t.equal(docOf(a, 'ModulePass'), 'Runs over a module.')
})

t.test('nested modules, namespaces and classes keep their members', async t => {
  const python = await analyze('python', [
    'import sys',
    'if sys.platform == "win32":',
    '    pass',
    'else:',
    '    try:',
    '        import fcntl',
    '    except ImportError:',
    '        fcntl = None',
    '    else:',
    '        if fcntl:',
    '            class Lock:',
    '                @property',
    '                def held(self):',
    '                    return True'
  ].join('\n'))
  t.same(python.symbols.map(brief), ['class Lock@11 +', 'method held@13 <Lock +'], 'python')
  const java = await analyze('java', [
    'public class Outer {',
    '  public static class Middle {',
    '    public interface Callback {',
    '      void done();',
    '    }',
    '  }',
    '}'
  ].join('\n'))
  t.same(java.symbols.map(brief), ['class Outer@1 +', 'class Middle@2 <Outer +', 'interface Callback@3 <Middle +', 'method done@4 <Callback +'], 'java')
  const csharp = await analyze('csharp', [
    'namespace Outer {',
    '  namespace Inner {',
    '    public class Host {',
    '      public class Nested {',
    '        public void Run() {}',
    '      }',
    '    }',
    '  }',
    '}'
  ].join('\n'))
  t.same(csharp.symbols.map(brief), ['namespace Outer@1', 'namespace Inner@2', 'class Host@3 +', 'class Nested@4 <Host +', 'method Run@5 <Nested +'], 'c#')
  const typescript = await analyze('typescript', [
    'declare namespace ts.server {',
    '  namespace protocol {',
    '    class Session {',
    '      close(): void',
    '    }',
    '  }',
    '}'
  ].join('\n'))
  t.same(typescript.symbols.map(brief), ['namespace ts.server@1 -', 'namespace protocol@2 -', 'class Session@3 -', 'method close@4 <Session'], 'typescript')
  const ruby = await analyze('ruby', [
    'module Admin',
    '  module Reports',
    '    class UsersController < ApplicationController',
    '      def index',
    '      end',
    '    end',
    '  end',
    'end'
  ].join('\n'))
  t.same(ruby.symbols.map(brief), ['module Admin@1', 'module Reports@2 <Admin', 'class UsersController@3 <Reports', 'method index@4 <UsersController'], 'ruby')
  const rust = await analyze('rust', [
    'pub mod net {',
    '    pub mod http {',
    '        pub mod client {',
    '            impl Client {',
    '                pub fn send(&self) {}',
    '            }',
    '        }',
    '    }',
    '}'
  ].join('\n'))
  t.same(rust.symbols.map(brief), ['module net@1 +', 'module http@2 +', 'module client@3 +', 'method send@5 <Client +'], 'rust')
})

t.test('javascript: class expressions, module.exports of a class, a function or a name; fields holding functions', async t => {
  const a = await analyze('javascript', [
    'const Base = class extends EventEmitter {',
    '  start () {}',
    '}',
    'module.exports = class Server extends Base {',
    '  listen () {}',
    '}',
    'module.exports = function handler (req, res) {}',
    'module.exports = Router',
    'function Router () {}',
    'function helper () {}',
    'class Widget {',
    '  onClick = () => {}',
    '  render = function () {}',
    '  count = 0',
    '}',
    'Widget.prototype.extra = function extra () {}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'class Base@1 -', 'method start@2 <Base', 'class Server@4 +', 'method listen@5 <Server', 'function handler@7 +', 'function Router@9 +',
    'function helper@10 -', 'class Widget@11 -', 'method onClick@12 <Widget', 'method render@13 <Widget'
  ])
})

t.test('typescript: method signatures of interfaces and declared classes, fields holding functions, docs above decorators', async t => {
  const a = await analyze('typescript', [
    'export interface Store {',
    '  /** Reads a key. */',
    '  get(key: string): string',
    '  size: number',
    '}',
    'type Shape = { area(): number }',
    'declare class Stream {',
    '  read(size: number): string',
    '}',
    '/** A card. */',
    '@Component({})',
    'export class Card {',
    '  /** Clicked. */',
    "  @HostListener('click')",
    '  onClick = (): void => {}',
    '  /** Finds. */',
    '  @Get()',
    '  find (): void {}',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'interface Store@1 +', 'method get@3 <Store', 'type Shape@6 -', 'class Stream@7 -', 'method read@8 <Stream', 'class Card@12 +',
    'method onClick@15 <Card', 'method find@18 <Card'
  ])
  t.equal(docOf(a, 'get'), 'Reads a key.')
  t.equal(docOf(a, 'Card'), 'A card.')
  t.equal(docOf(a, 'onClick'), 'Clicked.')
  t.equal(docOf(a, 'find'), 'Finds.')
})

t.test('typescript: exported constants and variables of namespaces and declared modules', async t => {
  const a = await analyze('typescript', [
    'export namespace Validation {',
    '  /** Letters only. */',
    '  export const lettersRegexp = /^[A-Za-z]+$/',
    '  export let counter = 0, other = 1',
    '  const hidden = 4',
    '  export function isValid(s: string): boolean { return lettersRegexp.test(s) }',
    '  export const check = (s: string): boolean => true',
    '  export namespace Inner.Deep { export var depth = 2 }',
    '}',
    "declare module 'pkg' {",
    '  export function load(): void',
    '  export const version: string',
    '}',
    'declare namespace Lib {',
    '  export declare const ready: boolean',
    '}',
    'function outer() { const local = 1 }'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace Validation@1 +', 'constant lettersRegexp@3 +', 'variable counter@4 +', 'variable other@4 +', 'function isValid@6 +', 'function check@7 +',
    'namespace Inner.Deep@8 +', 'variable depth@8 +', "namespace 'pkg'@10 -", 'function load@11 +', 'constant version@12 +', 'namespace Lib@14 -',
    'constant ready@15 +', 'function outer@17 -'
  ])
  t.equal(docOf(a, 'lettersRegexp'), 'Letters only.')
})

t.test('re-exports are exported under the name they are given', async t => {
  const a = await analyze('javascript', [
    "export { parse as parseConfig, stringify } from './config.js'",
    "export { default as Yaml } from './yaml.js'",
    'const local = 1',
    'export { local as renamed }'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['export stringify@1 +', 'export parseConfig@1 +', 'export Yaml@2 +', 'export local@4 +'])
  t.same(a.imports, ['./config.js', './yaml.js'])
})

t.test('go: top-level constants and variables, methods of interfaces', async t => {
  const a = await analyze('go', [
    'package cfg',
    '',
    '// MaxRetries bounds the retries.',
    'const MaxRetries = 3',
    '',
    'const (',
    '\t// ModeA is the first mode.',
    '\tModeA = iota',
    '\tmodeB',
    ')',
    '',
    'var Default = New()',
    '',
    'var (',
    '\tverbose bool',
    '\tLogger, errLog = newLogger(), newLogger()',
    ')',
    '',
    'type Getter interface {',
    '\t// Get returns the value of key.',
    '\tGet(key string) string',
    '\tio.Reader',
    '}',
    '',
    'func New() int {',
    '\tconst local = 1',
    '\tvar v = local',
    '\treturn v',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'constant MaxRetries@4 +', 'constant ModeA@8 +', 'constant modeB@9 -', 'variable Default@12 +', 'variable verbose@15 -', 'variable Logger@16 +',
    'variable errLog@16 -', 'interface Getter@19 +', 'method Get@21 <Getter +', 'function New@25 +'
  ])
  t.equal(docOf(a, 'MaxRetries'), 'MaxRetries bounds the retries.')
  t.equal(docOf(a, 'ModeA'), 'ModeA is the first mode.')
  t.equal(docOf(a, 'Get'), 'Get returns the value of key.')
})

t.test('rust: macro_rules (exported with #[macro_export]), trait impls, associated types, use groups expanded', async t => {
  const a = await analyze('rust', [
    'use crate::{config::Config, error::{Error, Kind as K}};',
    'use std::io::{self, Write};',
    'use super::*;',
    '/// Makes a vector.',
    '#[macro_export]',
    'macro_rules! myvec { () => {} }',
    'macro_rules! private_mac { () => {} }',
    'pub trait Iter {',
    '    type Item;',
    '    fn next(&mut self) -> Option<Self::Item>;',
    '}',
    'impl Iter for Counter {',
    '    type Item = u32;',
    '    fn next(&mut self) -> Option<u32> { None }',
    '}',
    'impl Counter {',
    '    fn reset(&mut self) {}',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'function myvec@6 +', 'function private_mac@7 -', 'trait Iter@8 +', 'type Item@9 <Iter', 'method next@10 <Iter', 'type Item@13 <Counter',
    'method next@14 <Counter', 'method reset@17 <Counter -'
  ])
  t.equal(docOf(a, 'myvec'), 'Makes a vector.')
  t.same(a.imports, ['crate::config::Config', 'crate::error::Error', 'crate::error::Kind', 'std::io', 'std::io::Write', 'super::*'])
  const commented = await analyze('rust', 'use a::{\n    // the first\n    b, /* c */ c,\n};\n')
  t.same(commented.imports, ['a::b', 'a::c'], 'comments in a use list are not paths')
})

t.test('php: use clauses give the name and not its alias, group uses their full names; the file doc before declare(strict_types=1)', async t => {
  const a = await analyze('php', [
    '<?php',
    '/** Routes of the app. */',
    'declare(strict_types=1);',
    '',
    'namespace App;',
    '',
    'use Foo\\Bar as Baz;',
    'use App\\Models\\{User, Admin\\Role as R};',
    'use function App\\helpers\\format;',
    '',
    'class Router {}'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['namespace App@5', 'class Router@11 +'])
  t.same(a.imports, ['Foo\\Bar', 'App\\Models\\User', 'App\\Models\\Admin\\Role', 'App\\helpers\\format'])
  t.equal(a.doc, 'Routes of the app.')
})

t.test('php: const declarations at the top and in classes and interfaces, and define(), are constants', async t => {
  const a = await analyze('php', [
    '<?php',
    'namespace App;',
    '',
    'const TOP = 1, OTHER = 2;',
    '/** The version. */',
    'define("APP_VERSION", "1.0");',
    "\\define('QUALIFIED', true);",
    "if (!defined('DEBUG')) {",
    "    define('DEBUG', false);",
    '}',
    'class Config {',
    '    /** The default. */',
    '    const DEFAULT = 1;',
    '    private const SECRET = 2, HIDDEN = 3;',
    '    public function load() { define("IN_METHOD", 1); }',
    '}',
    'interface HasLimit { const LIMIT = 10; }',
    "$registry->define('NOT_A_CONSTANT', 1);"
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace App@2', 'constant TOP@4 +', 'constant OTHER@4 +', 'constant APP_VERSION@6 +', 'constant QUALIFIED@7 +', 'constant DEBUG@9 +',
    'class Config@11 +', 'constant DEFAULT@13 <Config +', 'constant SECRET@14 <Config -', 'constant HIDDEN@14 <Config -', 'method load@15 <Config +',
    'interface HasLimit@17 +', 'constant LIMIT@17 <HasLimit +'
  ])
  t.equal(docOf(a, 'APP_VERSION'), 'The version.')
  t.equal(docOf(a, 'DEFAULT'), 'The default.')
})

t.test('c#: an alias using gives its target only; delegates are types', async t => {
  const a = await analyze('csharp', [
    'using System;',
    'using Json = Newtonsoft.Json.JsonConvert;',
    'using static System.Math;',
    'namespace Events {',
    '  /// Handles an event.',
    '  public delegate void Handler(object sender);',
    '  delegate int Counter();',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['namespace Events@4', 'type Handler@6 +', 'type Counter@7 -'])
  t.equal(docOf(a, 'Handler'), 'Handles an event.')
  t.same(a.imports, ['System', 'Newtonsoft.Json.JsonConvert', 'System.Math'])
})

t.test('c#: properties and events are variables of their type, public as written or as interface members', async t => {
  const a = await analyze('csharp', [
    'using System;',
    'namespace Shop {',
    '  public class Cart {',
    '    /// <summary>How many items.</summary>',
    '    public int Count { get; private set; }',
    '    string Owner { get => owner; set => owner = value; }',
    '    public event EventHandler Changed;',
    '    public event EventHandler<ItemEventArgs> Added, Removed;',
    '    event Action Cleared { add {} remove {} }',
    '    public void Add() {}',
    '  }',
    '  public interface ICart { int Count { get; } event EventHandler Changed; }',
    '  public record User(string Name) { public string Display => Name; }',
    '}'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'namespace Shop@2', 'class Cart@3 +', 'variable Count@5 <Cart +', 'variable Owner@6 <Cart -', 'variable Changed@7 <Cart +',
    'variable Added@8 <Cart +', 'variable Removed@8 <Cart +', 'variable Cleared@9 <Cart -', 'method Add@10 <Cart +', 'interface ICart@12 +',
    'variable Count@12 <ICart +', 'variable Changed@12 <ICart +', 'class User@13 +', 'variable Display@13 <User +'
  ])
  t.equal(docOf(a, 'Count'), 'How many items.')
})

t.test('ruby: magic comments are not the file doc; methods of class << self belong to the class', async t => {
  const a = await analyze('ruby', [
    '# frozen_string_literal: true',
    '# -*- coding: utf-8 -*-',
    '# rubocop:disable Metrics/ClassLength',
    '',
    '# Builds reports.',
    '',
    "require 'json'",
    '',
    'class Report',
    '  class << self',
    '    def build; end',
    '  end',
    'end'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['class Report@9', 'method build@11 <Report'])
  t.equal(a.doc, 'Builds reports.')
  const pragmasOnly = await analyze('ruby', '# frozen_string_literal: true\n\nclass Empty; end\n')
  t.equal(pragmasOnly.doc, undefined)
})

t.test('ruby: attr_accessor, attr_reader and attr_writer are variables of their class; constants at the top and in a class or module', async t => {
  const a = await analyze('ruby', [
    'VERSION = "1.0"',
    'module Billing',
    '  # The tax rate.',
    '  RATE = 0.2',
    '  class Invoice',
    '    # The amounts.',
    '    attr_accessor :total, :tax',
    '    attr_reader "name"',
    '    attr_writer(:note)',
    '    LIMIT, MAX = 1, 2',
    '    private attr_reader :secret',
    '    def close',
    '      local = 1',
    '    end',
    '  end',
    'end',
    'config.attr_reader :not_an_attribute'
  ].join('\n'))
  t.same(a.symbols.map(brief), [
    'constant VERSION@1', 'module Billing@2', 'constant RATE@4 <Billing', 'class Invoice@5 <Billing', 'variable total@7 <Invoice',
    'variable tax@7 <Invoice', 'variable name@8 <Invoice', 'variable note@9 <Invoice', 'constant LIMIT@10 <Invoice', 'constant MAX@10 <Invoice',
    'variable secret@11 <Invoice', 'method close@12 <Invoice'
  ])
  t.equal(docOf(a, 'RATE'), 'The tax rate.')
  t.equal(docOf(a, 'total'), 'The amounts.')
})

t.test('enum members are constants of their enum: rust variants, typescript, java, c#, php and c/c++ members', async t => {
  const rust = await analyze('rust', [
    'pub enum Shape {',
    '    /// A dot.',
    '    Point,',
    '    Circle { r: f64 },',
    '    #[default]',
    '    Empty = 3,',
    '}',
    'impl Shape { pub fn area(&self) -> f64 { 0.0 } }'
  ].join('\n'))
  t.same(rust.symbols.map(brief), [
    'enum Shape@1 +', 'constant Point@3 <Shape', 'constant Circle@4 <Shape', 'constant Empty@6 <Shape', 'method area@8 <Shape +'
  ], 'rust')
  t.equal(docOf(rust, 'Point'), 'A dot.')
  const typescript = await analyze('typescript', [
    'export enum Color {',
    '  /** The first. */',
    '  Red,',
    '  Green = 2,',
    "  'Light Gray' = 4",
    '}',
    'const enum Flag { On = 1 }'
  ].join('\n'))
  t.same(typescript.symbols.map(brief), [
    'enum Color@1 +', 'constant Red@3 <Color', 'constant Green@4 <Color', 'constant Light Gray@5 <Color', 'enum Flag@7 -', 'constant On@7 <Flag'
  ], 'typescript')
  t.equal(docOf(typescript, 'Red'), 'The first.')
  const java = await analyze('java', [
    'public enum Planet {',
    '  /** Closest. */',
    '  MERCURY(3.3e23),',
    '  VENUS(4.8e24);',
    '  private final double mass;',
    '  public double mass() { return mass; }',
    '}'
  ].join('\n'))
  t.same(java.symbols.map(brief), ['enum Planet@1 +', 'constant MERCURY@3 <Planet +', 'constant VENUS@4 <Planet +', 'method mass@6 <Planet +'], 'java')
  t.equal(docOf(java, 'MERCURY'), 'Closest.')
  const csharp = await analyze('csharp', 'namespace N {\n  internal enum Mode : byte {\n    Off,\n    On = 1\n  }\n}')
  t.same(csharp.symbols.map(brief), ['namespace N@1', 'enum Mode@2 -', 'constant Off@3 <Mode +', 'constant On@4 <Mode +'], 'c#')
  const php = await analyze('php', '<?php\nenum Suit: string {\n    case Hearts = "H";\n    case Spades = "S";\n}')
  t.same(php.symbols.map(brief), ['enum Suit@2 +', 'constant Hearts@3 <Suit +', 'constant Spades@4 <Suit +'], 'php')
  const c = await analyze('c', [
    'enum color { RED, GREEN = 2 };',
    'typedef enum { LOW, HIGH } level_t;',
    'enum { BUFFER_SIZE = 1024 };',
    'namespace n { class K { enum class State { Idle }; }; }'
  ].join('\n'))
  t.same(c.symbols.map(brief), [
    'enum color@1', 'constant RED@1 <color', 'constant GREEN@1 <color', 'constant LOW@2 <level_t', 'constant HIGH@2 <level_t', 'type level_t@2',
    'namespace n@4', 'class K@4', 'enum State@4 <K', 'constant Idle@4 <State'
  ], 'c and c++: the members of a named or typedef\'d enum')
})

t.test('python: dunder methods are public, other underscored names are not', async t => {
  const a = await analyze('python', [
    'class Point:',
    '    def __init__(self, x):',
    '        self.x = x',
    '    def __repr__(self):',
    '        return "Point"',
    '    def _norm(self):',
    '        return 0',
    '    def __secret(self):',
    '        return 1'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['class Point@1 +', 'method __init__@2 <Point +', 'method __repr__@4 <Point +', 'method _norm@6 <Point -', 'method __secret@8 <Point -'])
})

t.test('past the cap of symbols per file, top-level declarations are kept before members', async t => {
  const members = Array.from({ length: 1500 }, (_, i) => `  m${i}(): void`)
  const late = Array.from({ length: 10 }, (_, i) => `export declare function late${i}(): void`)
  const a = await analyze('typescript', ['declare interface Big {', ...members, '}', ...late].join('\n'))
  t.equal(a.symbols.length, MAX_SYMBOLS_PER_FILE)
  const kept = a.symbols.map(brief)
  t.same(kept.slice(0, 2), ['interface Big@1 -', 'method m0@2 <Big'])
  t.equal(kept[MAX_SYMBOLS_PER_FILE - 11], `method m${MAX_SYMBOLS_PER_FILE - 12}@${MAX_SYMBOLS_PER_FILE - 10} <Big`, 'the first members fill the room left')
  t.same(kept.slice(-10), late.map((_, i) => `function late${i}@${1503 + i} +`), 'the declarations after the members are kept')
  const many = await analyze('javascript', Array.from({ length: 1200 }, (_, i) => `function f${i} () {}`).join('\n'))
  t.same(many.symbols.map((symbol) => symbol.name), Array.from({ length: MAX_SYMBOLS_PER_FILE }, (_, i) => `f${i}`), 'top-level symbols alone: the first ones')
})

t.test('powershell: scope modifiers are not part of a function name; comment-based help gives its synopsis', async t => {
  const a = await analyze('powershell', [
    '<#',
    '.SYNOPSIS',
    '    Activates the environment.',
    '.DESCRIPTION',
    '    Sets the path and the prompt.',
    '#>',
    'param($Prompt)',
    '',
    'function global:deactivate { }',
    '',
    '<#',
    '.Synopsis',
    'Gets a widget.',
    '.PARAMETER Name',
    'The name of the widget.',
    '#>',
    'function Get-Widget { param($Name) }',
    '<#',
    '.PARAMETER Force',
    'Skips the checks.',
    '#>',
    'function script:Set-Widget { }',
    'function private:Reset-Widget { }'
  ].join('\n'))
  t.same(a.symbols.map(brief), ['function deactivate@9', 'function Get-Widget@17', 'function Set-Widget@22', 'function Reset-Widget@23'])
  t.equal(a.doc, 'Activates the environment.')
  t.equal(docOf(a, 'Get-Widget'), 'Gets a widget.')
  t.equal(docOf(a, 'Set-Widget'), undefined, 'parameters are not a description')
})
