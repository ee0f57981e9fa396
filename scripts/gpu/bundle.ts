/**
 * `scripts/gpu-check --bundle`: builds `.gpu-check/` so the check runs on a GPU machine that has Node 20 and a copy
 * of the repository but no node_modules (how a lent machine gets it: the working tree, plus `.gpu-check/` carried
 * beside it). Two esbuild bundles (the check, and tfjs-steps.mjs for its TF.js child), the process runner's
 * supervisor files, and the `webgpu` package's index with Dawn's `dawn.node` for this platform, as the earlier GPU
 * benchmark was built (BENCHMARKS.md, "TF.js trainer on a GPU").
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './environment.ts';

const root = repoRoot();
const out = path.join(root, '.gpu-check');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// CommonJS inside an ESM bundle needs a real `require` (Node built-ins, the tfjs packages' own requires) and
// `__dirname` (tfjs-backend-wasm finds its .wasm files there: copied beside the bundle below).
const banner = [
  "import { createRequire as __gpuCheckRequire } from 'node:module';",
  "import { dirname as __gpuCheckDirname } from 'node:path';",
  "import { fileURLToPath as __gpuCheckPath } from 'node:url';",
  'const require = __gpuCheckRequire(import.meta.url);',
  'const __filename = __gpuCheckPath(import.meta.url);',
  'const __dirname = __gpuCheckDirname(__filename);',
].join(' ');
await build({
  entryPoints: {
    'gpu-check': path.join(root, 'scripts/gpu/main.ts'),
    'tfjs-steps': path.join(root, 'scripts/gpu/tfjs-steps.ts'),
  },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: banner },
  // loaded at run time if at all: Dawn from node_modules/webgpu below; tfjs-node(-gpu) are never on a lent machine
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  logLevel: 'warning',
});

// Started through a one-line launcher: a bundled module that runs its own main when `import.meta.url` ends with
// the started file's name (src/bin/demo-train.ts) would otherwise take the bundle for itself.
writeFileSync(path.join(out, 'tfjs-steps-run.mjs'), "await import('./tfjs-steps.mjs');\n");

const copy = (from: string, to: string) => {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
};
for (const file of ['supervisor.mjs', 'containers.mjs'])
  copy(path.join(root, 'packages/trainer-command/src', file), path.join(out, file));
const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  copy(path.join(wasmDir, file), path.join(out, file));
const webgpu = path.join(root, 'node_modules/webgpu');
const dawn = path.join('dist', `${process.platform}-${process.arch}`, 'dawn.node');
for (const file of ['package.json', 'index.js', dawn])
  copy(path.join(webgpu, file), path.join(out, 'node_modules/webgpu', file));

const size = (file: string) => statSync(path.join(out, file)).size;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const total = ['gpu-check.mjs', 'tfjs-steps.mjs', path.join('node_modules/webgpu', dawn)]
  .map(size)
  .reduce((a, b) => a + b, 0);
console.log(
  `built ${path.relative(root, out)}/ (${mb(total)}): run scripts/gpu-check there with node 20; carry .gpu-check to a machine without node_modules`,
);
