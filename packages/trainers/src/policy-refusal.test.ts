import { WorkerPolicySchema } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { refuseTrainer } from './index.ts';

const policy = WorkerPolicySchema.parse({
  commands: ['node', 'python3', '/opt/mmdet/tools/*.sh'],
  env: ['MMDET_*', 'OMP_NUM_THREADS'],
  cwdRoots: ['/srv/work'],
  workDir: '/srv/work',
});

describe("a worker policy on each trainer kind's section (preview)", () => {
  it('runs only allowed executables, from allowed directories', () => {
    expect(refuseTrainer(policy, { kind: 'command', command: ['node', 'x.mjs'] })).toBeNull();
    expect(
      refuseTrainer(policy, { kind: 'command', command: ['/opt/mmdet/tools/train.sh'] }),
    ).toBeNull();
    expect(refuseTrainer(policy, { kind: 'command', command: ['bash', '-c', 'x'] })).toMatch(
      /"bash" is not allowed on this worker \(allowed: node, python3/,
    );
    expect(
      refuseTrainer(policy, { kind: 'command', command: ['/opt/mmdet/tools/../../../bin/sh'] }),
    ).toMatch(/not allowed/);
    expect(refuseTrainer(policy, { kind: 'command', command: ['./node'] })).toMatch(/not allowed/);
    expect(refuseTrainer(policy, { kind: 'command', command: ['node'], cwd: '../../etc' })).toMatch(
      /working directory \/etc is outside/,
    );
    expect(refuseTrainer(policy, { kind: 'tfjs' })).toBeNull();
    expect(
      refuseTrainer(WorkerPolicySchema.parse({ cwdRoots: ['/'] }), {
        kind: 'command',
        command: ['node'],
      }),
    ).toMatch(/this worker runs no commands/);
  });

  it('lets a sweep set only allowed variables, and never loaders, PATH, interpreters or the GPU pin', () => {
    const withEnv = (env: Record<string, string>) =>
      refuseTrainer(policy, { kind: 'command', command: ['node'], env });
    expect(withEnv({ MMDET_DATA: '/d', OMP_NUM_THREADS: '4' })).toBeNull();
    expect(withEnv({ HOME: '/x' })).toMatch(/HOME is not allowed/);
    for (const name of [
      'LD_PRELOAD',
      'PATH',
      'NODE_OPTIONS',
      'PYTHONPATH',
      'CUDA_VISIBLE_DEVICES',
      'SWEEPS_TRIAL_ID',
    ])
      expect(
        refuseTrainer(
          { ...policy, env: ['*'] },
          { kind: 'command', command: ['node'], env: { [name]: 'x' } },
        ),
      ).toMatch(new RegExp(`may never set ${name}`));
  });

  it("runs an mmdet trial only with an allowed interpreter, from a root in the worker's directories", () => {
    const mmdet = (fields: Record<string, unknown>) =>
      refuseTrainer(policy, { kind: 'mmdet', version: 3, config: 'c.py', ...fields } as never);
    expect(mmdet({ root: '/srv/work/mmdetection' })).toBeNull(); // python3 by default
    expect(mmdet({ root: 'mmdetection', python: 'python3' })).toBeNull();
    expect(mmdet({ root: '/srv/work/mmdetection', python: 'python' })).toMatch(
      /^trainer.python: the executable "python" is not allowed on this worker \(allowed: node, python3/,
    );
    expect(mmdet({ root: '/srv/work/mmdetection', python: '/usr/bin/python3' })).toMatch(
      /^trainer.python: .*"\/usr\/bin\/python3" is not allowed/,
    );
    expect(mmdet({ root: '/opt/mmdetection' })).toMatch(
      /^trainer.root: the working directory \/opt\/mmdetection is outside/,
    );
    // MMDetection executes its config: one outside the worker's directories is refused, however it is written
    expect(mmdet({ root: '/srv/work/mmdetection', config: '/tmp/evil.py' })).toMatch(
      /^trainer.config: the config \/tmp\/evil.py is outside this worker's directories/,
    );
    expect(mmdet({ root: '/srv/work/mmdetection', config: '../../../tmp/evil.py' })).toMatch(
      /^trainer.config: the config \/tmp\/evil.py is outside/,
    );
    expect(
      mmdet({ root: '/srv/work/mmdetection', config: '/srv/work/configs/mine.py' }),
    ).toBeNull();
    const venv = { ...policy, commands: ['/srv/work/venv/bin/python'] };
    expect(
      refuseTrainer(venv, {
        kind: 'mmdet',
        root: '/srv/work/mmdetection',
        python: '../venv/bin/python',
      } as never),
    ).toBeNull();
    expect(
      refuseTrainer(WorkerPolicySchema.parse({ cwdRoots: ['/'] }), { kind: 'mmdet' } as never),
    ).toMatch(/this worker runs no commands/);
  });

  it('checks templates at submission, leaving placeholders to the worker, and mmdet as tools/train.py', () => {
    const script = { ...policy, commands: ['node script.js', 'python3 tools/train.py'] };
    expect(refuseTrainer(script, { kind: 'command', command: ['node', 'script.js'] })).toBeNull();
    expect(refuseTrainer(script, { kind: 'command', command: ['node', '{script}'] })).toBeNull();
    expect(refuseTrainer(script, { kind: 'command', command: ['node', '-e', 'x'] })).toMatch(
      /may only be started as "node script.js ..."/,
    );
    const mmdet = { kind: 'mmdet', root: '/srv/work/mmdetection' } as never;
    expect(refuseTrainer(script, mmdet)).toBeNull();
    expect(refuseTrainer({ ...script, commands: ['python3 other.py'] }, mmdet)).toMatch(
      /^trainer.python: .*python3 may only be started as "python3 other.py ..."/,
    );
  });
});
