/**
 * The technology names records carry (lower case), what well-known dependencies and imports map to in each language
 * ecosystem, and which languages a technology can hold for: a record gathers its ancestors' technologies only where
 * they can be true of it (a Python file is not written in React because the project root's package.json names it).
 */

/** npm package names (exact, or a scope ending in `/`). */
const NPM: Readonly<Record<string, string>> = {
  react: 'react', 'react-dom': 'react', 'react-native': 'react-native', next: 'nextjs', vue: 'vue', nuxt: 'nuxt',
  svelte: 'svelte', '@sveltejs/kit': 'svelte', '@angular/core': 'angular', express: 'express', koa: 'koa',
  fastify: 'fastify', '@nestjs/core': 'nestjs', hapi: 'hapi', '@hapi/hapi': 'hapi', typescript: 'typescript',
  jest: 'jest', mocha: 'mocha', vitest: 'vitest', tap: 'tap', ava: 'ava', webpack: 'webpack', vite: 'vite',
  rollup: 'rollup', esbuild: 'esbuild', eslint: 'eslint', prisma: 'prisma', '@prisma/client': 'prisma',
  mongoose: 'mongodb', mongodb: 'mongodb', pg: 'postgresql', mysql: 'mysql', mysql2: 'mysql', redis: 'redis',
  ioredis: 'redis', graphql: 'graphql', '@apollo/server': 'graphql', 'apollo-server': 'graphql',
  'socket.io': 'socket.io', ws: 'websocket', electron: 'electron', tailwindcss: 'tailwind', sequelize: 'sequelize',
  typeorm: 'typeorm', knex: 'knex', 'better-sqlite3': 'sqlite', sqlite3: 'sqlite', axios: 'axios',
  jsonwebtoken: 'jwt', jose: 'jwt', passport: 'passport', 'aws-sdk': 'aws', '@aws-sdk/': 'aws', lodash: 'lodash',
  hypercore: 'hypercore', hyperswarm: 'hyperswarm', hyperbee: 'hyperbee', corestore: 'corestore',
  '@vscode/tree-sitter-wasm': 'tree-sitter', 'web-tree-sitter': 'tree-sitter', 'sodium-native': 'libsodium',
  'libsodium-wrappers': 'libsodium', commander: 'commander', ink: 'ink', zod: 'zod', '@modelcontextprotocol/sdk': 'mcp',
  'prom-client': 'prometheus', pino: 'pino', winston: 'winston', 'd3': 'd3', 'three': 'threejs', rxjs: 'rxjs',
  redux: 'redux', '@reduxjs/toolkit': 'redux', 'styled-components': 'styled-components', 'kafkajs': 'kafka',
  '@grpc/grpc-js': 'grpc', 'bullmq': 'bullmq', 'playwright': 'playwright', '@playwright/test': 'playwright',
  'puppeteer': 'puppeteer', 'cypress': 'cypress', 'storybook': 'storybook', 'deno': 'deno'
}

/** Python distributions and import names. */
const PYTHON: Readonly<Record<string, string>> = {
  django: 'django', flask: 'flask', fastapi: 'fastapi', starlette: 'starlette', numpy: 'numpy', pandas: 'pandas',
  requests: 'requests', httpx: 'httpx', sqlalchemy: 'sqlalchemy', pytest: 'pytest', celery: 'celery',
  pydantic: 'pydantic', tensorflow: 'tensorflow', torch: 'pytorch', 'scikit-learn': 'scikit-learn',
  sklearn: 'scikit-learn', boto3: 'aws', botocore: 'aws', psycopg2: 'postgresql', 'psycopg2-binary': 'postgresql',
  psycopg: 'postgresql', asyncpg: 'postgresql', pymysql: 'mysql', redis: 'redis', jinja2: 'jinja', aiohttp: 'aiohttp',
  scipy: 'scipy', matplotlib: 'matplotlib', click: 'click', typer: 'typer', uvicorn: 'uvicorn', gunicorn: 'gunicorn',
  alembic: 'alembic', pymongo: 'mongodb', bcrypt: 'bcrypt', jwt: 'jwt', pyjwt: 'jwt', cryptography: 'cryptography',
  sqlite3: 'sqlite', grpc: 'grpc', grpcio: 'grpc', kafka: 'kafka', 'kafka-python': 'kafka', tornado: 'tornado',
  transformers: 'transformers', keras: 'keras', 'opencv-python': 'opencv', cv2: 'opencv', pillow: 'pillow', PIL: 'pillow',
  bs4: 'beautifulsoup', beautifulsoup4: 'beautifulsoup', scrapy: 'scrapy', pyyaml: 'yaml', yaml: 'yaml'
}

/** Go module path prefixes. */
const GO: Readonly<Record<string, string>> = {
  'github.com/gin-gonic/gin': 'gin', 'github.com/labstack/echo': 'echo', 'github.com/gorilla/mux': 'gorilla',
  'github.com/go-chi/chi': 'chi', 'github.com/gofiber/fiber': 'fiber', 'google.golang.org/grpc': 'grpc',
  'github.com/spf13/cobra': 'cobra', 'gorm.io/gorm': 'gorm', 'github.com/prometheus/client_golang': 'prometheus',
  'github.com/lib/pq': 'postgresql', 'github.com/jackc/pgx': 'postgresql', 'github.com/go-redis/redis': 'redis',
  'github.com/redis/go-redis': 'redis', 'github.com/stretchr/testify': 'testify', 'github.com/golang-jwt/jwt': 'jwt',
  'go.uber.org/zap': 'zap', 'k8s.io/client-go': 'kubernetes', 'github.com/aws/aws-sdk-go': 'aws',
  'github.com/mattn/go-sqlite3': 'sqlite', 'go.mongodb.org/mongo-driver': 'mongodb', 'github.com/segmentio/kafka-go': 'kafka',
  'database/sql': 'sql', 'net/http': 'http'
}

/** Rust crates (import names use `_` where crates use `-`: both are listed). */
const RUST: Readonly<Record<string, string>> = {
  tokio: 'tokio', serde: 'serde', 'actix-web': 'actix', actix_web: 'actix', axum: 'axum', rocket: 'rocket',
  diesel: 'diesel', clap: 'clap', reqwest: 'reqwest', hyper: 'hyper', sqlx: 'sqlx', warp: 'warp', tonic: 'grpc',
  tracing: 'tracing', rayon: 'rayon', 'wasm-bindgen': 'webassembly', wasm_bindgen: 'webassembly', redis: 'redis',
  'tokio-postgres': 'postgresql', tokio_postgres: 'postgresql', rusqlite: 'sqlite', ring: 'ring', openssl: 'openssl',
  bevy: 'bevy'
}

/** Java/Kotlin coordinates or packages (prefixes, `group:artifact` or `a.b.c`). */
const JVM: Readonly<Record<string, string>> = {
  'org.springframework.boot': 'spring-boot', 'org.springframework': 'spring', junit: 'junit', 'org.junit': 'junit',
  'org.hibernate': 'hibernate', 'org.projectlombok': 'lombok', lombok: 'lombok', 'com.fasterxml.jackson': 'jackson',
  'org.apache.kafka': 'kafka', 'com.google.guava': 'guava', 'com.google.common': 'guava', 'io.micronaut': 'micronaut',
  'io.quarkus': 'quarkus', 'org.jetbrains.kotlin': 'kotlin', 'io.ktor': 'ktor', 'org.postgresql': 'postgresql',
  'com.mysql': 'mysql', 'mysql:mysql-connector-java': 'mysql', 'org.mockito': 'mockito', 'javax.persistence': 'jpa',
  'jakarta.persistence': 'jpa', 'io.grpc': 'grpc', 'org.apache.spark': 'spark'
}

const RUBY: Readonly<Record<string, string>> = {
  rails: 'rails', sinatra: 'sinatra', rspec: 'rspec', 'rspec-rails': 'rspec', sidekiq: 'sidekiq', puma: 'puma',
  devise: 'devise', pg: 'postgresql', mysql2: 'mysql', sqlite3: 'sqlite', redis: 'redis', rack: 'rack',
  minitest: 'minitest', activerecord: 'activerecord', active_record: 'activerecord', jwt: 'jwt', bcrypt: 'bcrypt',
  nokogiri: 'nokogiri', hanami: 'hanami', grape: 'grape', rubocop: 'rubocop'
}

/** Composer packages (exact, or a vendor ending in `/`) and PHP namespace roots. */
const PHP: Readonly<Record<string, string>> = {
  'laravel/framework': 'laravel', 'laravel/lumen-framework': 'lumen', 'symfony/': 'symfony', 'phpunit/phpunit': 'phpunit',
  'guzzlehttp/guzzle': 'guzzle', 'doctrine/orm': 'doctrine', 'slim/slim': 'slim', 'monolog/monolog': 'monolog',
  'cakephp/cakephp': 'cakephp', 'yiisoft/yii2': 'yii', illuminate: 'laravel', 'illuminate/': 'laravel', symfony: 'symfony',
  guzzlehttp: 'guzzle', doctrine: 'doctrine', phpunit: 'phpunit'
}

/** NuGet packages and .NET namespaces (prefixes). */
const DOTNET: Readonly<Record<string, string>> = {
  'Microsoft.AspNetCore': 'aspnetcore', 'Microsoft.EntityFrameworkCore': 'entityframework', xunit: 'xunit', Xunit: 'xunit',
  NUnit: 'nunit', 'Newtonsoft.Json': 'newtonsoft-json', Serilog: 'serilog', Dapper: 'dapper', MediatR: 'mediatr',
  AutoMapper: 'automapper', Moq: 'moq', 'Npgsql': 'postgresql', 'StackExchange.Redis': 'redis', 'Grpc': 'grpc'
}

export type Ecosystem = 'npm' | 'python' | 'go' | 'rust' | 'jvm' | 'ruby' | 'php' | 'dotnet'

const TABLES: Readonly<Record<Ecosystem, Readonly<Record<string, string>>>> = {
  npm: NPM, python: PYTHON, go: GO, rust: RUST, jvm: JVM, ruby: RUBY, php: PHP, dotnet: DOTNET
}

/** Which separators end a prefix in each ecosystem (`org.springframework` covers `org.springframework.web`). */
const PREFIX_SEPARATORS: Readonly<Record<Ecosystem, string>> = {
  npm: '/', python: '.', go: '/', rust: ':', jvm: '.:', ruby: '/', php: '\\/', dotnet: '.'
}

/** The technology a dependency or import names, if it is well known. */
export function technologyOf (ecosystem: Ecosystem, name: string): string | undefined {
  const table = TABLES[ecosystem]
  const exact = table[name] ?? table[name.toLowerCase()]
  if (exact !== undefined) return exact
  // Longest known prefix that ends at a separator.
  const separators = PREFIX_SEPARATORS[ecosystem]
  for (let end = name.length - 1; end > 0; end--) {
    if (!separators.includes(name[end] as string)) continue
    const prefix = name.slice(0, end)
    const hit = table[prefix] ?? table[prefix + name[end]] ?? table[prefix.toLowerCase()]
    if (hit !== undefined) return hit
  }
  return undefined
}

/** The ecosystem each language's imports and manifests belong to. */
export const ECOSYSTEM_OF_LANGUAGE: Readonly<Record<string, Ecosystem>> = {
  javascript: 'npm', typescript: 'npm', tsx: 'npm', vue: 'npm', svelte: 'npm', python: 'python', go: 'go', rust: 'rust',
  java: 'jvm', kotlin: 'jvm', scala: 'jvm', groovy: 'jvm', ruby: 'ruby', php: 'php', csharp: 'dotnet'
}

/** What a manifest adds besides its mapped dependencies: the runtime and build tools it implies. */
const MANIFEST_TECHNOLOGIES: Readonly<Record<Ecosystem, readonly string[]>> = {
  npm: ['node', 'javascript', 'typescript'], python: ['python'], go: ['go'], rust: ['rust'],
  jvm: ['java', 'kotlin', 'maven', 'gradle'], ruby: ['ruby'], php: ['php', 'composer'], dotnet: ['dotnet', 'csharp', 'fsharp', 'aspnetcore']
}

/**
 * The ecosystems each known technology belongs to. One named in several (redis, jwt, grpc, postgresql) is of none
 * in particular; one named in none (docker, a hand-written label) is unknown: both may hold for any file.
 */
const ECOSYSTEMS_OF_TECHNOLOGY: ReadonlyMap<string, ReadonlySet<Ecosystem>> = (() => {
  const found = new Map<string, Set<Ecosystem>>()
  const add = (technology: string, ecosystem: Ecosystem): void => {
    let set = found.get(technology)
    if (set === undefined) found.set(technology, set = new Set())
    set.add(ecosystem)
  }
  for (const ecosystem of Object.keys(TABLES) as Ecosystem[]) {
    for (const technology of Object.values(TABLES[ecosystem])) add(technology, ecosystem)
    for (const technology of MANIFEST_TECHNOLOGIES[ecosystem]) add(technology, ecosystem)
  }
  return found
})()

/**
 * Whether a technology can be true of something written in `languages`: one bound to a single ecosystem holds only
 * for that ecosystem's languages (so not for a Markdown file or a folder of images either); any other holds.
 */
export function technologyHoldsFor (technology: string, languages: readonly string[]): boolean {
  const ecosystems = ECOSYSTEMS_OF_TECHNOLOGY.get(technology)
  if (ecosystems === undefined || ecosystems.size !== 1) return true
  const [ecosystem] = ecosystems
  return languages.some(language => ECOSYSTEM_OF_LANGUAGE[language] === ecosystem)
}
