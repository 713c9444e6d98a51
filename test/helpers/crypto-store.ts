// A context store on a temp dir with real keys: a keyring holding every default role, sealing for all of them.
import { DEFAULT_ROLES, type AccessLevel } from '../../src/crypto/levels.js'
import { Keyring } from '../../src/crypto/keyring.js'
import { LocalSecret } from '../../src/crypto/local-secret.js'
import { generateRoleSet } from '../../src/crypto/role-keys.js'
import type { RoleDirectory } from '../../src/crypto/role-directory.js'
import { sectionCrypto } from '../../src/node/section-crypto.js'
import type { SectionCrypto } from '../../src/storage/sealing.js'
import { scratchDir } from './scratch.js'

export interface TestKeys {
  dir: string
  keyring: Keyring
  directory: RoleDirectory
  crypto: SectionCrypto
}

export async function testKeys (holdRoles: readonly string[] = DEFAULT_ROLES.map(r => r.name)): Promise<TestKeys> {
  const dir = scratchDir('bzzz-test-')
  const keyring = await Keyring.create(dir)
  const { directory, keys } = generateRoleSet(DEFAULT_ROLES)
  for (const key of keys) if (holdRoles.includes(key.role)) keyring.addRoleKey(key)
  return { dir, keyring, directory, crypto: sectionCrypto(keyring, () => directory, LocalSecret.fromIdentity(keyring.identity)) }
}

/** The levels each default role reads, written out (not derived from the code under test). */
export const DEFAULT_ROLE_LEVELS: Readonly<Record<string, readonly AccessLevel[]>> = {
  viewer: ['public'],
  developer: ['public', 'internal'],
  qa: ['public', 'internal'],
  architect: ['public', 'internal', 'confidential'],
  security: ['public', 'internal', 'confidential', 'secret'],
  admin: ['public', 'internal', 'confidential', 'secret', 'top-secret']
}
