/** `bzzz-ctx config [ls|get KEY|set KEY VALUE|unset KEY]`: this peer's tunables (src/node/settings.ts), resolved. */
import { Command } from 'commander'
import type { CliEnv } from '../cli-env.js'
import { emit, useColor } from '../io.js'
import { homeOf } from '../peer-session.js'
import { table } from '../render.js'

/** The settings module loads zod: only once a subcommand runs, never for --help. */
async function settings (): Promise<typeof import('../../node/settings.js')> {
  return await import('../../node/settings.js')
}

export function configCommand (env: CliEnv): Command {
  const config = new Command('config')
    .description('this peer\'s settings: a flag over its BZZZ_* variable over the home\'s config.json over the default')
    .addHelpText('after', '\nExamples:\n  bzzz-ctx config ls\n  bzzz-ctx config set metrics 127.0.0.1:9464\n  bzzz-ctx config get logLevel --json\n  bzzz-ctx config unset metrics')
  config.command('ls', { isDefault: true })
    .description('every setting: its value, where it came from, its variable and flag')
    .action(env.action(async ctx => {
      const { SETTINGS, resolveSettings, settingText } = await settings()
      const { readConfig } = await import('../../node/home.js')
      const rows = resolveSettings(readConfig(homeOf(ctx)), ctx.io.env).map(r => ({
        key: r.key, value: r.value ?? null, source: r.source, env: SETTINGS[r.key].env, flag: SETTINGS[r.key].flag, help: SETTINGS[r.key].help
      }))
      emit(ctx, { settings: rows }, () => table(['key', 'value', 'from', 'variable', 'flag'], rows.map(r => [
        r.key, r.value === null ? '(none)' : settingText(r.key, r.value as never), r.source, r.env, r.flag
      ]), useColor(ctx)))
    }))
  config.command('get')
    .description('one setting\'s value (empty when none), and with --json where it came from')
    .argument('<key>', 'a setting: bootstrap, host, electionTimeoutMs, logLevel, metrics')
    .action(env.action(async (ctx, _options, [key]) => {
      const { resolveSetting, settingKey, settingText } = await settings()
      const { readConfig } = await import('../../node/home.js')
      const resolved = resolveSetting(settingKey(key!), readConfig(homeOf(ctx)), ctx.io.env)
      emit(ctx, { key: resolved.key, value: resolved.value ?? null, source: resolved.source }, () => settingText(resolved.key, resolved.value as never))
    }))
  config.command('set')
    .description('keep a value in the home\'s config.json (checked first; a BZZZ_* variable or a flag still wins)')
    .argument('<key>', 'a setting (see config ls)')
    .argument('<value>', 'its value, as the flag takes it')
    .action(env.action(async (ctx, _options, [key, value]) => {
      const { settingKey, settingFromText, settingText, withSetting, SETTINGS } = await settings()
      const { readConfig, writeConfig } = await import('../../node/home.js')
      const name = settingKey(key!)
      const parsed = settingFromText(name, value!)
      const home = homeOf(ctx)
      await writeConfig(home, withSetting(readConfig(home), name, parsed))
      const shadow = ctx.io.env[SETTINGS[name].env]
      emit(ctx, { key: name, value: parsed, ...(shadow !== undefined && shadow !== '' ? { shadowedBy: SETTINGS[name].env } : {}) },
        () => `${name} = ${settingText(name, parsed as never)}` + (shadow !== undefined && shadow !== '' ? ` (but ${SETTINGS[name].env} is set, and wins)` : ''))
    }))
  config.command('unset')
    .description('remove a value from the home\'s config.json: the default applies again')
    .argument('<key>', 'a setting (see config ls)')
    .action(env.action(async (ctx, _options, [key]) => {
      const { settingKey, withSetting } = await settings()
      const { readConfig, writeConfig } = await import('../../node/home.js')
      const name = settingKey(key!)
      const home = homeOf(ctx)
      await writeConfig(home, withSetting(readConfig(home), name, undefined))
      emit(ctx, { key: name, value: null }, () => `${name} unset`)
    }))
  return config
}
