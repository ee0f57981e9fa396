import { describe, expect, it } from 'vitest';
import {
  parseCommandTemplate,
  refuseCommand,
  resolvePosix,
  WorkerPolicySchema,
} from './worker-policy.ts';

/** A worker in /srv/work; each case names the commands it allows. */
const policy = WorkerPolicySchema.parse({ cwdRoots: ['/srv/work'], workDir: '/srv/work' });

describe('worker policy', () => {
  it('allows an executable only with the leading arguments of its command template', () => {
    const only = (...commands: string[]) => ({ ...policy, commands });
    const cwd = '/srv/work';
    // A bare interpreter runs anything: `node -e` and a shell started from it.
    expect(refuseCommand(only('node'), ['node', '-e', 'require("child_process")'], cwd)).toBeNull();
    const script = only('node script.js');
    expect(refuseCommand(script, ['node', 'script.js', '--epochs', '3'], cwd)).toBeNull();
    expect(refuseCommand(script, ['node', '-e', 'x'], cwd)).toBe(
      'the command "node -e x" is not allowed on this worker: node may only be started as "node script.js ..."',
    );
    expect(refuseCommand(script, ['node'], cwd)).toMatch(/may only be started as "node script.js/);
    expect(refuseCommand(script, ['node', 'other.js'], cwd)).toMatch(/not allowed/);
    expect(refuseCommand(script, ['sh', '-c', 'id'], cwd)).toMatch(
      /the executable "sh" is not allowed on this worker \(allowed: node script.js\)/,
    );
    // MMDetection's script, not `python3 -c`; several templates for one interpreter.
    const mmdet = only('python3 tools/train.py', 'python3 tools/test.py', '/opt/venv/bin/* run.py');
    expect(refuseCommand(mmdet, ['python3', 'tools/train.py', 'c.py'], cwd)).toBeNull();
    expect(refuseCommand(mmdet, ['python3', 'tools/test.py'], cwd)).toBeNull();
    expect(refuseCommand(mmdet, ['python3', '-c', 'import os'], cwd)).toMatch(
      /may only be started as "python3 tools\/train.py ..." or "python3 tools\/test.py ..."/,
    );
    expect(refuseCommand(mmdet, ['/opt/venv/bin/python', 'run.py'], cwd)).toBeNull();
    expect(refuseCommand(mmdet, ['/opt/venv/bin/python', '-m', 'run'], cwd)).toMatch(/not allowed/);
    // Long commands are cut short in the message.
    const long = refuseCommand(script, ['node', '-e', 'x'.repeat(500), 'a', 'b'], cwd)!;
    expect(long.length).toBeLessThan(260);
    expect(parseCommandTemplate('  python3   tools/train.py ')).toEqual({
      executable: 'python3',
      args: ['tools/train.py'],
    });
  });

  it('resolves paths as POSIX', () => {
    expect(resolvePosix('/a/b', '../c/./d')).toBe('/a/c/d');
    expect(resolvePosix('/a', '/x//y/')).toBe('/x/y');
  });
});
