/**
 * Builds dist/, what users run: `npm run bundle`.
 *
 * One ES module entry, dist/index.js, and the chunks it imports when a run needs them (the deploy code and the AWS
 * SDK only in deploy and plan modes, the JSONata parser only for a definition with `{% %}`). esbuild bundles the
 * SDK's ES module builds, so only the commands and schemas the action uses are kept: the code a run parses at
 * start-up is a quarter of what a CommonJS bundle of the same clients holds, and that is start-up time on every
 * workflow run (bench/sync.ts, bench/validate.ts).
 *
 * Also writes dist/licenses.txt: the name, version, license and license text of every package in the bundle.
 * The build is deterministic (check-dist.yml rebuilds it and compares).
 *
 * Options, for profiling: `--outdir <folder>` (default dist/), `--no-minify` (readable names in CPU profiles).
 */
import { build, type Plugin } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { outdir: { type: 'string' }, 'no-minify': { type: 'boolean' } } });
const outdir = resolve(root, args.outdir ?? 'dist');

/**
 * The SDK's HTTP handler loads `node:http` with `await import()` on its first request. Node builds an ES module
 * facade for the built-in, which reads every export, and `http`'s WebSocket, CloseEvent and MessageEvent getters
 * load undici: 20 to 30 ms on every run's first request, where `require` takes 3 ms (the handler's CommonJS build
 * uses `require`; its ES module build, bundled here, the import). The build fails if the line is not found.
 */
const httpByRequire: Plugin = {
  name: 'node-http-by-require',
  setup(builder) {
    builder.onLoad({ filter: /@smithy[\\/]node-http-handler[\\/]dist-es[\\/]node-http-handler\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const dynamicImport = 'await import("node:http")';
      if (!source.includes(dynamicImport)) {
        throw new Error(`${args.path} no longer has ${dynamicImport}: check how it loads node:http and update this plugin.`);
      }
      return { contents: source.replace(dynamicImport, 'require("node:http")'), loader: 'js' };
    });
  },
};

/**
 * @actions/core imports its OIDC client (@actions/http-client, undici: 415 kB) for getIDToken, which the action never
 * calls: made a dynamic import, so that it is a chunk of its own and validate mode's start-up never parses it
 * (`npm run bench:validate`). The build fails if the lines are not found.
 */
const lazyOidc: Plugin = {
  name: 'actions-core-lazy-oidc',
  setup(builder) {
    builder.onLoad({ filter: /@actions[\\/]core[\\/]lib[\\/]core\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const staticImport = "import { OidcClient } from './oidc-utils.js';\n";
      const call = 'return yield OidcClient.getIDToken(aud);';
      if (!source.includes(staticImport) || !source.includes(call)) throw new Error(`${args.path} no longer imports OidcClient as expected: update this plugin.`);
      return { contents: source.replace(staticImport, '').replace(call, "return yield (yield import('./oidc-utils.js')).OidcClient.getIDToken(aud);"), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // ES module builds first: they let the bundler drop the SDK commands the action never sends.
  mainFields: ['module', 'main'],
  minify: !args['no-minify'],
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // The CommonJS packages in the bundle call require() for Node's built-in modules.
  banner: { js: "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  plugins: [httpByRequire, lazyOidc],
});

writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
writeFileSync(join(outdir, 'licenses.txt'), licenses(Object.keys(result.metafile.inputs)));

/** The licenses of the packages whose files are in the bundle, sorted by name. */
function licenses(inputs: string[]): string {
  const packageDirs = new Set<string>();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(join(root, match[1]));
  }
  const entries = [...packageDirs].map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const licenseFile = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    const text = licenseFile && existsSync(join(dir, licenseFile)) ? readFileSync(join(dir, licenseFile), 'utf8').trim() : '';
    return { name: `${manifest.name}@${manifest.version}`, text: `${manifest.name} ${manifest.version}\n${manifest.license ?? 'UNKNOWN'}\n${text}` };
  });
  const unique = new Map(entries.map((entry) => [entry.name, entry.text]));
  return `${[...unique.keys()].sort().map((name) => unique.get(name)).join('\n\n')}\n`;
}
