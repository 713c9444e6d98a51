/** Well-known dependencies and imports, mapped to the technology names records carry (lower case). */

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

const ECOSYSTEM_OF_LANGUAGE: Readonly<Record<string, Ecosystem>> = {
  javascript: 'npm', typescript: 'npm', tsx: 'npm', python: 'python', go: 'go', rust: 'rust', java: 'jvm',
  ruby: 'ruby', php: 'php', csharp: 'dotnet'
}

/** The package an import specifier loads (`@scope/pkg/sub` → `@scope/pkg`, `os.path` → `os`, `actix_web::App` → `actix_web`). */
function importRoot (ecosystem: Ecosystem, specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null
  switch (ecosystem) {
    case 'npm': {
      if (specifier.startsWith('node:')) return null
      const parts = specifier.split('/')
      return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] ?? null
    }
    case 'python': return specifier.split('.')[0] ?? null
    case 'rust': return specifier.replace(/^::/, '').split('::')[0] ?? null
    case 'ruby': return specifier.split('/')[0] ?? null
    case 'php': return (specifier.replace(/^\\/, '').split('\\')[0] ?? '').toLowerCase()
    default: return specifier
  }
}

/** Technologies named by a file's imports, sorted and deduplicated. */
export function technologiesFromImports (language: string | null, imports: readonly string[]): string[] {
  const ecosystem = language === null ? undefined : ECOSYSTEM_OF_LANGUAGE[language]
  if (ecosystem === undefined) return []
  const found = new Set<string>()
  for (const specifier of imports) {
    const root = importRoot(ecosystem, specifier)
    if (root === null || root === '') continue
    const technology = technologyOf(ecosystem, root) ?? (ecosystem === 'go' || ecosystem === 'jvm' || ecosystem === 'dotnet' ? technologyOf(ecosystem, specifier) : undefined)
    if (technology !== undefined) found.add(technology)
  }
  return [...found].sort()
}

/** Lower-cased, deduplicated and sorted. */
export function normalizeTechnologies (names: Iterable<string>): string[] {
  return [...new Set([...names].map((name) => name.toLowerCase()).filter((name) => name !== ''))].sort()
}
