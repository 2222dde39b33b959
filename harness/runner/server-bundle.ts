/**
 * How the harness starts the reference TestServer: from one bundled
 * JavaScript file built on demand, not through the tsx loader.
 *
 * Under `node --import tsx` every TypeScript module is compiled at load time
 * and the loader keeps its own thread and caches for the life of the
 * process: ~30 MB of resident memory that a server holding 10,000 sessions
 * cannot spare (docs/performance.md, "Memory: 10,000 sessions"). The user
 * runs only `npm ci` and then `npm test` / `npm run bench`, so there is no
 * build step: the first start bundles `reference-server/test-server/main.ts`
 * with esbuild's JS API (~0.2 s) into a cache directory, and later starts
 * reuse the file while its sources are unchanged.
 *
 *   node_modules/.cache/nmt-test-server/
 *     manifest.json                   { hash, file, inputs: [source paths] }
 *     test-server-<hash>.mjs          the bundle: our code only
 *
 * - The key is a hash of every source file esbuild read (the manifest lists
 *   them) and esbuild's version: an edit to any of them rebuilds.
 * - Packages stay external (`packages: 'external'`): pino, ws, jose and the
 *   native better-sqlite3 load from node_modules as before. The cache sits
 *   inside node_modules, so Node's resolution walks up to them.
 * - `import.meta.url` in a source file is replaced by that file's own URL,
 *   so paths resolved relative to a module (the built-in catalogue, a
 *   `createRequire`) mean what they mean under tsx.
 * - Writes go to a temporary name and are renamed into place: processes
 *   starting servers at the same time never see half a file.
 * - When anything fails (esbuild missing, a build error, a read-only
 *   directory), the server starts under tsx as before; `note` says why.
 *
 * The server process also runs with a capped young generation
 * (`--max-semi-space-size`): under load V8 grows each semi-space to 16 MB
 * and keeps them resident; 1 MB costs more scavenges, which are cheap at a
 * server's allocation rate (measured, docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** V8 flags of every TestServer the harness starts. */
export const TEST_SERVER_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Environment variable: `0` starts the TestServer under tsx (A/B measurements, debugging with source lines). */
export const BUNDLE_ENV = 'NMT_TEST_SERVER_BUNDLE';

/** Bundles kept in the cache directory (the newest; older ones are removed). */
const KEEP_BUNDLES = 4;

/** How to start the TestServer. */
export interface TestServerLaunch {
  /** `node` arguments before the server's own flags: V8 flags, then the script (and `--import tsx` without a bundle). */
  nodeArgs: string[];
  /** The bundle started, or null when the server runs under tsx. */
  bundle: string | null;
  /** Why there is no bundle (null when there is one). */
  note: string | null;
}

interface Manifest {
  hash: string;
  file: string;
  inputs: string[];
}

/** The TestServer's entry point (TypeScript). */
export function testServerEntry(projectRoot: string): string {
  return join(projectRoot, 'reference-server', 'test-server', 'main.ts');
}

/** Where bundles are cached. */
export function bundleCacheDir(projectRoot: string): string {
  return join(projectRoot, 'node_modules', '.cache', 'nmt-test-server');
}

/**
 * The `node` arguments that start the TestServer: the cached bundle when it
 * is current, a fresh bundle otherwise, tsx when bundling is off or fails.
 */
export async function testServerLaunch(projectRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<TestServerLaunch> {
  const entry = testServerEntry(projectRoot);
  const tsx = (note: string): TestServerLaunch => ({ nodeArgs: [...TEST_SERVER_V8_FLAGS, '--import', 'tsx', entry], bundle: null, note });
  if (env[BUNDLE_ENV] === '0') return tsx(`${BUNDLE_ENV}=0`);
  try {
    const bundle = await currentBundle(projectRoot);
    return { nodeArgs: [...TEST_SERVER_V8_FLAGS, bundle], bundle, note: null };
  } catch (err) {
    return tsx(`bundling failed, running under tsx: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The path of a bundle built from the current sources (building it if needed). */
export async function currentBundle(projectRoot: string): Promise<string> {
  const dir = bundleCacheDir(projectRoot);
  const cached = readManifest(dir);
  if (cached !== null && existsSync(cached.file) && hashInputs(projectRoot, cached.inputs) === cached.hash) {
    return cached.file;
  }
  return build(projectRoot, dir);
}

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Partial<Manifest>;
    if (typeof m.hash !== 'string' || typeof m.file !== 'string' || !Array.isArray(m.inputs)) return null;
    return { hash: m.hash, file: m.file, inputs: m.inputs.filter((x): x is string => typeof x === 'string') };
  } catch {
    return null;
  }
}

/**
 * sha256 over esbuild's version and every input's path and bytes. A missing
 * input hashes as such (and so never matches a manifest that had it).
 */
function hashInputs(projectRoot: string, inputs: readonly string[]): string {
  const h = createHash('sha256');
  h.update(`esbuild ${esbuildVersion(projectRoot)}`);
  for (const rel of [...inputs].sort()) {
    h.update(`\n${rel}\n`);
    try {
      h.update(readFileSync(resolve(projectRoot, rel)));
    } catch {
      h.update('\0missing');
    }
  }
  return h.digest('hex');
}

function esbuildVersion(projectRoot: string): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

async function build(projectRoot: string, dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: projectRoot,
    entryPoints: [testServerEntry(projectRoot)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [
      {
        name: 'nmt-import-meta-url',
        setup(b) {
          // Each module keeps its own URL: paths relative to a source file still point next to it.
          b.onLoad({ filter: /\.ts$/ }, (args) => {
            const source = readFileSync(args.path, 'utf8');
            const contents = source.includes('import.meta.url') ? source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : source;
            return { contents, loader: 'ts' };
          });
        },
      },
    ],
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild produced no output');
  const inputs = Object.keys(result.metafile.inputs);
  const hash = hashInputs(projectRoot, inputs);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `test-server-${hash.slice(0, 16)}.mjs`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, out.contents);
  renameSync(tmp, file);
  const manifest: Manifest = { hash, file, inputs };
  const mtmp = join(dir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(mtmp, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(mtmp, join(dir, 'manifest.json'));
  prune(dir, file);
  return file;
}

/** Removes all but the newest {@link KEEP_BUNDLES} bundles (never `keep`). Best effort. */
function prune(dir: string, keep: string): void {
  try {
    const bundles = readdirSync(dir)
      .filter((f) => f.startsWith('test-server-') && f.endsWith('.mjs'))
      .map((f) => ({ path: join(dir, f), mtime: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const b of bundles.slice(KEEP_BUNDLES)) if (b.path !== keep) unlinkSync(b.path);
  } catch {
    // Another process pruned at the same time; nothing to do.
  }
}
