// Bundles src/index.ts (the action), src/post.ts (its post step) and src/cli.ts (the command line) into
// dist/ as ESM, and writes the config JSON Schema. dockerode's CommonJS dependencies need
// require/__filename/__dirname in an ESM bundle; ssh2's optional native pieces (cpu-features, *.node)
// stay external and are absent at run time.
//
// Start-up time: the entries load only what every run needs. The clients (dockerode, pg, ioredis,
// Octokit) are imported dynamically where they are made, so each lands in its own chunk, loaded only by
// a run that uses it; `lazyParts` below defers the parts of dependencies Orixoon never calls.
//
//   node scripts/build.mjs [--outdir DIR] [--schema-out FILE] [--schema-only]
//
// The defaults write dist/ and orixoon.schema.json; scripts/check-dist.mjs builds into a temporary
// directory with the same settings and compares. The output must be byte-for-byte deterministic.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeLicences } from './licenses.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    outdir: { type: 'string', default: 'dist' },
    'schema-out': { type: 'string', default: 'orixoon.schema.json' },
    'schema-only': { type: 'boolean', default: false },
  },
});
const outdir = resolve(root, args.outdir);
const schemaOut = resolve(root, args['schema-out']);

const banner = [
  "import * as __orixoonModule from 'node:module';",
  "import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';",
  "import { dirname as __orixoonDirname } from 'node:path';",
  // V8's compiled code of the modules loaded from here on is kept on disk (os.tmpdir()) and reused by
  // the next run on this machine; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  '__orixoonModule.enableCompileCache?.();',
  'const require = __orixoonModule.createRequire(import.meta.url);',
  'const __filename = __orixoonFileURLToPath(import.meta.url);',
  'const __dirname = __orixoonDirname(__filename);',
].join('\n');

/**
 * Dependency code that loads at import but serves only features Orixoon never uses: each rewrite moves a
 * `require` (or a static import) to where it is used, so it is evaluated only if that code ever runs.
 * A rewrite that no longer matches its file fails the build: an update must not silently load it again.
 */
const lazyParts = [
  {
    // Image builds with BuildKit sessions (gRPC + protobuf): Orixoon never builds images.
    file: /[\\/]dockerode[\\/]lib[\\/]session\.js$/,
    edits: [
      ['var grpc = require("@grpc/grpc-js"),\n  protoLoader = require("@grpc/proto-loader"),\n  path', 'var path'],
      [
        'function withSession(docker, auth, handler) {',
        'function withSession(docker, auth, handler) {\n  var grpc = require("@grpc/grpc-js"), protoLoader = require("@grpc/proto-loader");',
      ],
    ],
  },
  {
    // ssh2: only for ssh:// Docker hosts.
    file: /[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/,
    edits: [["var Client = require('ssh2').Client,", "var Client = function () { return new (require('ssh2').Client)(); },"]],
  },
  {
    // tar-fs and .dockerignore parsing: only for image build contexts.
    file: /[\\/]dockerode[\\/]lib[\\/]util\.js$/,
    edits: [
      ["var DockerIgnore = require('@balena/dockerignore');", "var DockerIgnore = function (o) { return require('@balena/dockerignore')(o); };"],
      ["var tar = require('tar-fs');", "var tar = { pack: function () { var t = require('tar-fs'); return t.pack.apply(t, arguments); } };"],
    ],
  },
  {
    // OIDC tokens (and the HTTP client with undici behind them): Orixoon never asks for one.
    file: /[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/,
    edits: [
      [
        "import { OidcClient } from './oidc-utils.js';",
        "const OidcClient = { getIDToken: async (aud) => (await import('./oidc-utils.js')).OidcClient.getIDToken(aud) };",
      ],
    ],
  },
  {
    // PostgreSQL's SCRAM authentication through node:crypto (as node-postgres's helpers for older Node
    // versions did) instead of WebCrypto, whose first use loads Node's WebIDL layer: about 5 ms on every
    // run with a PostgreSQL check (first connect 29–34 → 24–27 ms). The same primitives (PBKDF2-SHA-256
    // off the main thread, HMAC-SHA-256, SHA-256, random bytes); only channel binding's certificate hash
    // and the MD5 fallback keep WebCrypto, loaded when they are used.
    file: /[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/,
    edits: [
      [
        'const webCrypto = nodeCrypto.webcrypto || globalThis.crypto',
        'const webCrypto = { get subtle() { return (nodeCrypto.webcrypto || globalThis.crypto).subtle } }',
      ],
      [
        'const subtleCrypto = webCrypto.subtle',
        'const subtleCrypto = { digest: (algorithm, data) => webCrypto.subtle.digest(algorithm, data) }',
      ],
      ['return webCrypto.getRandomValues(Buffer.alloc(length))', 'return nodeCrypto.randomBytes(length)'],
      [
        "return await subtleCrypto.digest('SHA-256', text)",
        "return nodeCrypto.createHash('sha256').update(Buffer.from(text)).digest()",
      ],
      [
        "const key = await subtleCrypto.importKey('raw', keyBuffer, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])\n  return await subtleCrypto.sign('HMAC', key, textEncoder.encode(msg))",
        "return nodeCrypto.createHmac('sha256', Buffer.from(keyBuffer)).update(msg).digest()",
      ],
      [
        "const key = await subtleCrypto.importKey('raw', textEncoder.encode(password), 'PBKDF2', false, ['deriveBits'])\n  const params = { name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: iterations }\n  return await subtleCrypto.deriveBits(params, key, 32 * 8, ['deriveBits'])",
        "return await new Promise((resolve, reject) => nodeCrypto.pbkdf2(password, salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))))",
      ],
    ],
  },
  {
    // TLS for rediss:// URLs only; a plain redis:// check never loads node:tls.
    file: /[\\/]ioredis[\\/]built[\\/]connectors[\\/](StandaloneConnector|SentinelConnector[\\/]index)\.js$/,
    edits: [
      [
        'const tls_1 = require("tls");',
        'const tls_1 = { connect: (options) => require("tls").connect(options) };',
      ],
    ],
  },
  {
    // node:assert, only when the Redis reply parser reports a protocol error.
    file: /[\\/]redis-errors[\\/]lib[\\/]modern\.js$/,
    edits: [
      [
        "const assert = require('assert')",
        "const assert = Object.assign((value) => require('assert')(value), { strictEqual: (a, b) => require('assert').strictEqual(a, b) })",
      ],
    ],
  },
  {
    // Not a deferral but the same kind of load-time edit: ioredis puts ~580 command methods on one class
    // prototype. V8 keeps a class prototype in fast mode and copies its property descriptors on every
    // addition, so the loop costs 10–20 ms (0.3 ms on a plain object). Adding and deleting one property
    // first turns the prototype into a dictionary, where additions are cheap; V8 turns it fast again when
    // an instance first uses it. Methods and behaviour are unchanged.
    file: /[\\/]ioredis[\\/]built[\\/]utils[\\/]Commander\.js$/,
    edits: [
      [
        'const commands = commands_1.list.filter(',
        'Commander.prototype.__orixoonDictionary = 0;\ndelete Commander.prototype.__orixoonDictionary;\nconst commands = commands_1.list.filter(',
      ],
    ],
  },
];

const lazyPartsPlugin = {
  name: 'lazy-parts',
  setup(b) {
    for (const { file, edits } of lazyParts) {
      b.onLoad({ filter: file }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (!text.includes(from)) throw new Error(`${args.path} changed: cannot defer \`${from}\``);
          text = text.replace(from, to);
        }
        return { contents: text, loader: 'js' };
      });
    }
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  banner: { js: banner },
  external: ['cpu-features', '*.node'],
  // jsonc-parser's `main` is a UMD build whose requires esbuild cannot follow: bundle its ES modules.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // Bundled packages' licence comments stay, at the end of each file; their full licence texts go to
  // dist/licenses.txt (scripts/licenses.mjs).
  legalComments: 'eof',
  logLevel: 'warning',
};

if (!args['schema-only']) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const bundled = await build({
    ...common,
    metafile: true,
    entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts', post: 'src/post.ts' },
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [lazyPartsPlugin],
  });
  writeLicences(bundled.metafile, root, outdir);
}

// The JSON Schema comes from the same zod schema the loader validates with. The generator is bundled
// into its own temporary directory so two builds (e.g. check-dist next to a build) never share a file.
mkdirSync(join(root, '.tmp'), { recursive: true });
const genDir = mkdtempSync(join(root, '.tmp', 'schema-gen-'));
try {
  const gen = join(genDir, 'schema-gen.mjs');
  await build({ ...common, entryPoints: ['src/config/json-schema.ts'], outfile: gen });
  const { buildJsonSchema } = await import(pathToFileURL(gen).href);
  mkdirSync(dirname(schemaOut), { recursive: true });
  writeFileSync(schemaOut, JSON.stringify(buildJsonSchema(), null, 2) + '\n');
} finally {
  rmSync(genDir, { recursive: true, force: true });
}
