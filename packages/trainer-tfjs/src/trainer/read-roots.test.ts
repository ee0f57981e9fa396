import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PermanentTrialError, type TrainerContext, type TrialRun } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { resolvePlan } from './options.ts';
import { BUNDLED_BACKBONES } from './read-roots.ts';
import { createTfjsTrainer } from './tfjs-trainer.ts';

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'tfjs-roots-')));
mkdirSync(path.join(root, 'data'));
writeFileSync(path.join(root, 'ck.safetensors'), '');
symlinkSync('/proc/self/environ', path.join(root, 'env-link.safetensors'));
symlinkSync('/etc', path.join(root, 'etc-link'));

const trial = (uri: string, dataDir?: string): TrialRun => ({
  trialId: 't',
  sweepId: 's',
  seed: 0,
  metricName: 'top1',
  checkpoint: { name: 'ck', uri },
  optimizer: 'SGD',
  params: { lr: 0.05 },
  fixed: { epochs: 1 },
  trainer: {
    kind: 'tfjs',
    options: dataDir ? { task: 'detection', data_dir: dataDir } : { task: 'classification' },
  },
});

const ctx: TrainerContext = {
  reportEpoch: async () => {},
  trialDir: path.join(root, 'trial'),
  signal: new AbortController().signal,
  env: {},
  log: () => {},
};

/** The trial's refusal (the trainer starts no process: it refuses first). */
async function refusal(t: TrialRun): Promise<PermanentTrialError> {
  const err = await createTfjsTrainer({ readRoots: [root] })
    .run(t, ctx)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PermanentTrialError);
  expect((err as PermanentTrialError).reason).toBe('invalid');
  return err as PermanentTrialError;
}

describe("a tfjs trial reads only from the worker's directories", () => {
  it('refuses a file:// checkpoint outside them, naming the path and the directories, reading nothing', async () => {
    const environ = readFileSync('/proc/self/environ');
    const err = await refusal(trial('file:///proc/self/environ'));
    expect(err.message).toBe(
      `checkpoint "ck": /proc/self/environ (a link to /proc/${process.pid}/environ) is outside the directories this worker reads trial data from (${root}, ${BUNDLED_BACKBONES}); its owner adds directories with --cwd-roots`,
    );
    // Not one byte of the file: neither its first variable nor a "header size" from parsing it.
    expect(err.message).not.toContain(environ.subarray(0, 8).toString());
    expect(err.message).not.toMatch(/header/);
  });

  it('refuses a data_dir outside them, and links that lead out', async () => {
    expect((await refusal(trial('scratch', '/etc'))).message).toMatch(
      /^trainer\.options\.data_dir: \/etc is outside the directories this worker reads trial data from \(/,
    );
    expect((await refusal(trial('scratch', path.join(root, 'etc-link')))).message).toContain(
      `${root}/etc-link (a link to /etc) is outside`,
    );
    expect((await refusal(trial(`file://${root}/env-link.safetensors`))).message).toMatch(
      /env-link\.safetensors \(a link to \/proc\/\d+\/environ\) is outside/,
    );
    // A path outside that does not exist is refused too (not reported missing: its existence is not told).
    expect((await refusal(trial('file:///nonexistent/x.pth'))).message).toMatch(/is outside/);
  });

  it('accepts paths inside them and the bundled backbones', () => {
    expect(resolvePlan(trial(`file://${root}/ck.safetensors`), root, [root]).init).toMatchObject({
      kind: 'file',
      file: `${root}/ck.safetensors`,
    });
    expect(resolvePlan(trial('ck.safetensors', 'data'), root, [root]).options.data_dir).toBe(
      `${root}/data`,
    );
    const bundled = path.join(BUNDLED_BACKBONES, 'base-r18x0.25-36ep.safetensors');
    expect(resolvePlan(trial(bundled), root, [root]).init).toMatchObject({ file: bundled });
  });
});
