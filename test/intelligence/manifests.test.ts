import t from 'tap'
import { parseManifest, manifestKind, manifestTechnologies } from '../../src/intelligence/manifests.js'
import { technologiesFromImports } from '../../src/intelligence/technologies.js'
import { parseTomlSubset } from '../../src/intelligence/toml-subset.js'

t.test('package.json: name, description, node and well-known dependencies, entry points', async t => {
  const manifest = parseManifest('web/package.json', JSON.stringify({
    name: 'shop', description: 'The shop front', version: '2.0.0', main: './dist/index.js', bin: { shop: 'bin/shop.js' },
    dependencies: { react: '^18', express: '^4', 'left-pad': '1' }, devDependencies: { typescript: '^5', '@aws-sdk/client-s3': '3' }
  }))
  t.ok(manifest)
  t.equal(manifest?.kind, 'npm')
  t.equal(manifest?.name, 'shop')
  t.equal(manifest?.description, 'The shop front')
  t.same(manifest?.technologies, ['aws', 'express', 'node', 'react', 'typescript'])
  t.same(manifest?.entryPoints, ['dist/index.js', 'bin/shop.js'])
  t.ok(manifest?.dependencies.includes('left-pad'))
})

t.test('go.mod: module, go version, requires (block and single)', async t => {
  const manifest = parseManifest('svc/go.mod', 'module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\tgoogle.golang.org/grpc v1.60.0 // indirect\n)\n\nrequire github.com/spf13/cobra v1.8.0\n')
  t.equal(manifest?.name, 'example.com/svc')
  t.equal(manifest?.runtimeVersion, 'go 1.22')
  t.same(manifest?.dependencies, ['github.com/gin-gonic/gin', 'github.com/spf13/cobra', 'google.golang.org/grpc'])
  t.same(manifest?.technologies, ['cobra', 'gin', 'go', 'grpc'])
})

t.test('Cargo.toml: package, description, dependencies in every form', async t => {
  const manifest = parseManifest('Cargo.toml', '[package]\nname = "engine"\nversion = "0.1.0"\nedition = "2021"\ndescription = "A search engine" # trailing comment\n\n[dependencies]\ntokio = { version = "1", features = ["full"] }\nserde = "1"\n\n[dependencies.actix-web]\nversion = "4"\n\n[dev-dependencies]\ncriterion = "0.5"\n')
  t.equal(manifest?.name, 'engine')
  t.equal(manifest?.description, 'A search engine')
  t.same(manifest?.dependencies, ['actix-web', 'criterion', 'serde', 'tokio'])
  t.same(manifest?.technologies, ['actix', 'rust', 'serde', 'tokio'])
})

t.test('python: pyproject (PEP 621 and poetry) and requirements.txt', async t => {
  const pep621 = parseManifest('pyproject.toml', '[project]\nname = "api"\ndescription = "The API"\nrequires-python = ">=3.11"\ndependencies = [\n  "fastapi>=0.110",\n  "SQLAlchemy[asyncio]>=2",\n]\n[project.optional-dependencies]\ntest = ["pytest"]\n')
  t.equal(pep621?.name, 'api')
  t.equal(pep621?.description, 'The API')
  t.same(pep621?.technologies, ['fastapi', 'pytest', 'python', 'sqlalchemy'])
  const poetry = parseManifest('pyproject.toml', '[tool.poetry]\nname = "tool"\ndescription = "A tool"\n[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "^5"\n')
  t.same(poetry?.technologies, ['django', 'python'])
  t.equal(poetry?.description, 'A tool')
  const requirements = parseManifest('requirements.txt', '# deps\nflask>=3.0\nrequests==2.32 ; python_version > "3.8"\n-r other.txt\n\nnumpy\n')
  t.same(requirements?.dependencies, ['flask', 'numpy', 'requests'])
  t.same(requirements?.technologies, ['flask', 'numpy', 'python', 'requests'])
})

t.test('java: pom.xml with a spring boot parent, build.gradle and build.gradle.kts', async t => {
  const pom = parseManifest('pom.xml', '<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId></parent><artifactId>reports</artifactId><description>Reports</description><properties><java.version>21</java.version></properties><dependencies><dependency><groupId>org.hibernate</groupId><artifactId>hibernate-core</artifactId></dependency></dependencies></project>')
  t.equal(pom?.name, 'reports')
  t.equal(pom?.description, 'Reports')
  t.equal(pom?.runtimeVersion, 'java 21')
  t.same(pom?.technologies, ['hibernate', 'java', 'maven', 'spring-boot'])
  const gradle = parseManifest('build.gradle', "plugins { id 'org.springframework.boot' version '3.2.0' }\ndependencies {\n  implementation 'org.springframework.boot:spring-boot-starter-web'\n  testImplementation 'junit:junit:4.13'\n}\n")
  t.same(gradle?.technologies, ['gradle', 'java', 'junit', 'spring-boot'])
  const kts = parseManifest('build.gradle.kts', 'plugins { kotlin("jvm") version "1.9.0" }\ndependencies { implementation("io.ktor:ktor-server-core:2.3.0") }\n')
  t.same(kts?.technologies, ['gradle', 'kotlin', 'ktor'])
})

t.test('Gemfile, composer.json and .csproj', async t => {
  const gemfile = parseManifest('Gemfile', "source 'https://rubygems.org'\nruby '3.3.0'\ngem 'rails', '~> 7.1'\ngem \"pg\"\n")
  t.same(gemfile?.technologies, ['postgresql', 'rails', 'ruby'])
  t.equal(gemfile?.runtimeVersion, 'ruby 3.3.0')
  const composer = parseManifest('composer.json', JSON.stringify({ name: 'acme/site', description: 'The site', require: { php: '^8.2', 'laravel/framework': '^11', 'ext-json': '*' }, 'require-dev': { 'phpunit/phpunit': '^10' } }))
  t.same(composer?.technologies, ['composer', 'laravel', 'php', 'phpunit'])
  t.same(composer?.dependencies, ['laravel/framework', 'phpunit/phpunit'])
  const csproj = parseManifest('src/Api/Api.csproj', '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup><ItemGroup><PackageReference Include="Microsoft.EntityFrameworkCore" Version="8.0.0" /><PackageReference Include="Serilog" Version="3.1.1" /></ItemGroup></Project>')
  t.equal(csproj?.name, 'Api')
  t.equal(csproj?.runtimeVersion, 'net8.0')
  t.same(csproj?.technologies, ['aspnetcore', 'csharp', 'dotnet', 'entityframework', 'serilog'])
})

t.test('malformed manifests are skipped, not fatal; other files are not manifests', async t => {
  t.equal(parseManifest('package.json', '{ "name": "broken", '), null)
  t.equal(parseManifest('composer.json', 'not json'), null)
  t.equal(parseManifest('pom.xml', 'plain text'), null)
  t.equal(parseManifest('go.mod', '%%%'), null)
  t.equal(parseManifest('README.md', '# hi'), null)
  t.equal(manifestKind('src/app.py'), null)
  t.equal(manifestKind('requirements-dev.txt'), 'python')
  const cargo = parseManifest('Cargo.toml', '[package\nname = ')
  t.same(cargo?.technologies, ['rust'], 'a damaged TOML file still says which runtime it is for')
})

t.test('technologies from several manifests and from imports: lower case, deduplicated, sorted', async t => {
  const a = parseManifest('package.json', JSON.stringify({ dependencies: { React: '18' } }))
  const b = parseManifest('requirements.txt', 'Flask\n')
  t.same(manifestTechnologies([a, b].filter((m) => m !== null)), ['flask', 'node', 'python', 'react'])
  t.same(technologiesFromImports('python', ['flask', 'os.path', 'sqlalchemy.orm', '.local']), ['flask', 'sqlalchemy'])
  t.same(technologiesFromImports('typescript', ['react', 'react-dom/client', './x.js', 'node:fs', '@nestjs/core']), ['nestjs', 'react'])
  t.same(technologiesFromImports('go', ['github.com/gin-gonic/gin/binding', 'fmt']), ['gin'])
  t.same(technologiesFromImports('rust', ['tokio::sync::mpsc', 'actix_web::App', 'crate::db']), ['actix', 'tokio'])
  t.same(technologiesFromImports('java', ['org.springframework.web.bind.annotation.RestController']), ['spring'])
  t.same(technologiesFromImports('php', ['Illuminate\\Support\\Facades\\DB']), ['laravel'])
  t.same(technologiesFromImports('markdown', ['react']), [])
})

t.test('the TOML subset reads tables, strings, numbers, booleans and multi-line arrays', async t => {
  const tables = parseTomlSubset('title = "x"\n[a.b]\nn = 3\nflag = true\nlist = [\n "p", # c\n \'q\',\n]\n"quoted.key" = \'v # not a comment\'\n')
  t.equal(tables.get('')?.get('title'), 'x')
  t.equal(tables.get('a.b')?.get('n'), 3)
  t.equal(tables.get('a.b')?.get('flag'), true)
  t.same(tables.get('a.b')?.get('list'), ['p', 'q'])
  t.equal(tables.get('a.b')?.get('quoted.key'), 'v # not a comment')
})
