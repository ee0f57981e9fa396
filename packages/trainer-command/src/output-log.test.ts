import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputLog, outputLogPath } from './output-log.ts';

describe('output log', () => {
  it('appends whole lines and rotates at the size limit, keeping the newest files', () => {
    const file = outputLogPath(mkdtempSync(path.join(tmpdir(), 'out-log-')));
    const log = new OutputLog(file, 100, 2);
    for (let i = 0; i < 12; i++) {
      log.write(`line ${i} ${'x'.repeat(30)}`);
      log.flush();
    }
    expect(readFileSync(file, 'utf8')).toMatch(/^line 10 x+\nline 11 x+\n$/);
    expect(readFileSync(`${file}.1`, 'utf8')).toMatch(/^line 8 [\s\S]*line 9 x+\n$/);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
  });
});
