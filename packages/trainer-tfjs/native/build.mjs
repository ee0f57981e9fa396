// Builds the trainer's optional native CPU kernels (convolutions on oneDNN) with node-gyp.
// It never fails an install: without g++ or OpenBLAS's headers it says what is missing and the trainer keeps
// its wasm kernels. `--strict` makes a failed build exit non-zero (CI, where oneDNN is installed first).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');

function finish(ok, message) {
  const line = ok
    ? `native CPU kernels: ${message}`
    : `native CPU kernels not built (${message}); the TF.js trainer uses its wasm kernels. On Debian: apt-get install g++ libdnnl-dev, then npm run build:native`;
  console.log(line);
  process.exit(!ok && strict ? 1 : 0);
}

if (process.platform !== 'linux') finish(false, `${process.platform} is not supported, Linux only`);
const headers = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/include/dnnl.hpp'];
if (!headers.some((h) => existsSync(h)))
  finish(false, 'oneDNN headers (dnnl.hpp, Debian package libdnnl-dev) not found');

const bundled = path.resolve(
  process.execPath,
  '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
);
const nodeGyp = process.env.npm_config_node_gyp ?? bundled;
if (!existsSync(nodeGyp)) finish(false, `node-gyp not found at ${nodeGyp}`);
const args = [nodeGyp, 'rebuild'];
// Build against this Node's own headers when it has them (no download).
const nodeDir = path.resolve(process.execPath, '../..');
if (existsSync(path.join(nodeDir, 'include/node/node_api.h'))) args.push(`--nodedir=${nodeDir}`);

const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
if (result.status !== 0) {
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
    .split('\n')
    .filter((l) => /error|not found|cannot/i.test(l) && !l.startsWith('gyp info'))
    .slice(0, 5)
    .join(' | ');
  finish(false, `node-gyp failed: ${output || `exit ${result.status}`}`);
}
finish(
  true,
  `built in ${((Date.now() - started) / 1000).toFixed(1)} s (native/build/Release/sweeps_cpu_kernels.node)`,
);
