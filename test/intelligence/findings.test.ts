import t from 'tap'
import fc from 'fast-check'
import { scanFindings, redactSecrets, REDACTED, MAX_FINDINGS_PER_KIND, factorAlternatives, topAlternatives } from '../../src/intelligence/findings.js'
import type { SecurityFinding } from '../../src/intelligence/types.js'

const kinds = (findings: readonly SecurityFinding[]): string[] => findings.map((finding) => `${finding.kind}@${finding.line}`)

t.test('python: crypto, auth, process execution, eval, SQL built from strings, secret literals', async t => {
  const source = [
    'import hashlib',                                          // 1 crypto
    'import subprocess',                                       // 2 exec
    'def login(user, password):',                              // 3 auth
    '    digest = hashlib.sha256(password.encode())',          // 4 crypto, auth
    '    subprocess.run(["id"])',                              // 5 exec
    '    eval(user)',                                          // 6 eval
    '    q = "SELECT * FROM users WHERE name = \'" + user + "\'"', // 7 sql
    '    q2 = f"DELETE FROM t WHERE id = {user}"',             // 8 sql
    '    safe = db.execute("SELECT * FROM t WHERE id = ?", (user,))', // 9 nothing
    'API_KEY = "sk9-Zx81-Qq72-Lm30-Aa11"',                     // 10 secret
    'token_type = "quoted-string"',                            // 11 not a secret: a word
    'tokenize(text)',                                          // 12 nothing
    ''
  ].join('\n')
  t.same(kinds(scanFindings(source, 'python', true)), [
    'crypto@1', 'exec@2', 'auth@3', 'auth@4', 'crypto@4', 'exec@5', 'eval@6', 'sql-concat@7', 'sql-concat@8', 'secret-literal@10'
  ])
})

t.test('javascript, go, java, ruby, php, c, powershell: their own crypto, exec and eval APIs', async t => {
  t.same(kinds(scanFindings("const { exec } = require('child_process')\nconst c = require('node:crypto')\nnew Function('x')\nconst q = `UPDATE users SET a = ${b}`\n/x/.exec(s)\n", 'javascript', true)),
    ['exec@1', 'crypto@2', 'eval@3', 'sql-concat@4'])
  t.same(kinds(scanFindings('import (\n\t"crypto/sha256"\n\t"os/exec"\n)\nexec.Command("ls")\nq := fmt.Sprintf("SELECT a FROM t WHERE id = %d", id)\n', 'go', true)),
    ['crypto@2', 'exec@3', 'exec@5', 'sql-concat@6'])
  t.same(kinds(scanFindings('import javax.crypto.Cipher;\nRuntime.getRuntime().exec(cmd);\nnew ProcessBuilder("ls");\n', 'java', true)),
    ['crypto@1', 'exec@2', 'exec@3'])
  t.same(kinds(scanFindings("require 'openssl'\nout = `ls -l`\nsystem('rm x')\ninstance_eval(code)\n", 'ruby', true)),
    ['crypto@1', 'exec@2', 'exec@3', 'eval@4'])
  t.same(kinds(scanFindings('<?php\n$h = password_hash($p, PASSWORD_DEFAULT);\nshell_exec("ls");\neval($code);\n$db->query("SELECT * FROM t WHERE id = $id");\n', 'php', true)),
    ['auth@2', 'crypto@2', 'exec@3', 'eval@4', 'sql-concat@5'])
  t.same(kinds(scanFindings('#include <openssl/evp.h>\nint main() { system("ls"); popen("x", "r"); my.system(1); }\n', 'c', true)),
    ['crypto@1', 'exec@2'])
  t.same(kinds(scanFindings('Start-Process notepad\nInvoke-Expression $code\n$s = ConvertTo-SecureString $p\n', 'powershell', true)),
    ['exec@1', 'eval@2', 'crypto@3'])
})

t.test('secret-like literals are found in every text file, code or not, and only line numbers come back', async t => {
  const secret = 'AKIAIOSFODNN7EXAMPLE'
  const findings = scanFindings(`aws:\n  key_id: ${secret}\n`, 'yaml', false)
  t.same(kinds(findings), ['secret-literal@2'])
  t.same(Object.keys(findings[0] ?? {}).sort(), ['kind', 'line'], 'a finding holds a kind and a line, nothing else')
  t.notOk(JSON.stringify(findings).includes(secret))
  t.same(kinds(scanFindings('x\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n', 'text', false)), ['secret-literal@2'])
  t.same(kinds(scanFindings('DATABASE_PASSWORD=s3cr3t-Value-9\nDEBUG=true\n', 'dotenv', false)), ['secret-literal@1'])
  t.same(kinds(scanFindings('token: ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\nstripe = "sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc"\n', 'markdown', false)), ['secret-literal@1', 'secret-literal@2'])
  t.same(kinds(scanFindings('password = "changeme"\napi_key = "${API_KEY}"\nsecret = "<your secret here>"\n', 'python', true)).filter((k) => k.startsWith('secret')), [], 'placeholders are not secrets')
  t.same(kinds(scanFindings('the password is stored as a hash\n', 'markdown', false)), [], 'prose about passwords is not a finding in a document')
})

t.test('a file with many findings reports at most a bounded number per kind', async t => {
  const findings = scanFindings('subprocess.run(x)\n'.repeat(200), 'python', true)
  t.equal(findings.length, MAX_FINDINGS_PER_KIND)
})

t.test('redaction replaces secrets in copied text and leaves the rest', async t => {
  t.equal(redactSecrets('The old key AKIAIOSFODNN7EXAMPLE was rotated.'), `The old key ${REDACTED} was rotated.`)
  t.equal(redactSecrets('Set password = "Hunter2-fixture" first'), `Set ${REDACTED} first`)
  t.equal(redactSecrets('Nothing secret in here.'), 'Nothing secret in here.')
})

t.test('the trigger regex factored into a trie finds triggers at exactly the places the plain alternation does', async t => {
  t.same(topAlternatives('a|b(c|d)|[|]|(?:x|y)|(?:p)|(?:q)'), ['a', 'b(c|d)', '[|]', 'x', 'y', 'p', 'q'], 'top-level alternatives, whole groups unwrapped')
  t.equal(factorAlternatives(['hashlib', 'hmac', 'ssl', 'secrets', '[srp]k_live_', 'crypto', 'cryptography']), 'h(?:ashlib|mac)|s(?:sl|ecrets)|c(?:r(?:ypto|yptography))|[srp]k_live_')
  const triggers = ['hashlib', 'hmac', 'ssl', 'secrets', 'crypto', 'cryptography', String.raw`os\.(?:system|popen)`, 'eval|exec', 'log_?in', String.raw`select\s`, 'sk-', '[srp]k_live_', 'gh[pousr]_', 'a?b', String.raw`\$\((?!\()`, '`', 'x{2,}y']
  const plain = new RegExp(triggers.map((trigger) => `(?:${trigger})`).join('|'), 'gi')
  const factored = new RegExp(factorAlternatives(triggers.flatMap(topAlternatives)), 'gi')
  const places = (regex: RegExp, text: string): number[] => {
    const found: number[] = []
    regex.lastIndex = 0
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      found.push(match.index)
      regex.lastIndex = match.index + 1
    }
    return found
  }
  const pieces = ['hashlib', 'hmac', 'SSL', 'secret', 'Crypto', 'cryptography', 'os.system', 'os.popen', 'eval', 'EXEC', 'login', 'log_in', 'select ', 'sk-', 'pk_live_', 'ghp_', 'ab', 'b', '$(', '$((', '`', 'xxy', 'x', ' ', '\n', '.', '_', 'h', 's', 'c']
  fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
    const text = parts.join('')
    t.same(places(factored, text), places(plain, text))
  }), { numRuns: 300 })
})

t.test('scanning the lower-cased text finds what the case-insensitive scan finds, in any case, with İ and the Kelvin sign', async t => {
  const reference = (text: string, language: string): SecurityFinding[] => scanFindings(text, language, true, false)
  const pieces = ['import hashlib', 'subprocess.run(cmd)', 'eval(x)', 'os.system(c)', 'password = "Hunter2-fixture"', 'AKIAIOSFODNN7EXAMPLE',
    '"SELECT * FROM t WHERE id = " + id', 'jwt.decode(t)', 'api_key', 'token', 'Bearer ', '-----BEGIN RSA PRIVATE KEY-----',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'sk_live_abcdefghijklmnop', 'login', 'K', 'k', '\u212a', 'İ', 'ß', 'É', ' ', '\n', '(', '"', '.', '_']
  const mixCase = (text: string, seed: number): string => [...text].map((c, i) => ((seed >> (i % 16)) & 1) === 1 ? c.toUpperCase() : c.toLowerCase()).join('')
  for (const language of ['python', 'javascript', 'go']) {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...pieces), fc.integer({ min: 0, max: 0xffff })), { maxLength: 30 }), (parts) => {
      const text = parts.map(([piece, seed]) => mixCase(piece, seed)).join('')
      t.same(scanFindings(text, language, true), reference(text, language))
    }), { numRuns: 200 })
  }
  t.same(kinds(scanFindings('q = "SELECT a FROM t WHERE id = " + x\nq2 = "select a from t where id = " + x\n', 'python', true)), ['sql-concat@1', 'sql-concat@2'], 'SQL in either case')
})
