import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/wait-for.ts';
import { extractAll } from './epochs.ts';
import { parseMetricFile, watchMetricFile } from './file-source.ts';
import { parseJsonObjectLine } from './json-line.ts';
import { createJsonlExtractor, parseMetricLine } from './jsonl-source.ts';
import { countLines, LineSplitter, MAX_LINE_CHARS, splitLines } from './lines.ts';
import {
  compileMetricPattern,
  createRegexExtractor,
  MAX_MATCH_CHARS,
  MAX_PATTERN_INSTRUCTIONS,
} from './regex-source.ts';
import { parseMetricNumber, toMetricNumber } from './values.ts';

describe('lines', () => {
  it('splits on \\n and \\r, strips colours, keeps a last line without newline, bounds length', () => {
    expect(splitLines('a\r\nbar 10%\rbar 100%\u001b[0m\nlast')).toEqual([
      'a',
      'bar 10%',
      'bar 100%',
      'last',
    ]);
    const s = new LineSplitter();
    const lines = [...s.push('x'.repeat(MAX_LINE_CHARS)), ...s.push(`${'y'.repeat(10)}\nok`)];
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS]);
    expect(s.end()).toEqual(['ok']);
  });

  it('counts lines as the splitter ends them (\\n, \\r\\n, \\r), blank ones included', () => {
    for (const [text, n] of [
      ['', 0],
      ['a', 1],
      ['a\n', 1],
      ['a\r\nb', 2],
      ['a\rb\r', 2],
      ['\n\n\n', 3],
    ] as const)
      expect(countLines(text), JSON.stringify(text)).toBe(n);
  });
});

describe('one JSON-lines reader', () => {
  it('reads NaN and Infinity the same way whether quoted (JS) or bare (Python json)', () => {
    for (const line of [
      '{"epoch": 2, "loss": NaN, "a": Infinity, "b": -Infinity, "note": "NaN Infinity"}',
      '{"epoch": 2, "loss": "NaN", "a": "Infinity", "b": "-Infinity", "note": "NaN Infinity"}',
    ]) {
      const parsed = parseMetricLine(line)!;
      expect(parsed.epoch).toBe(2);
      expect(parsed.metrics.loss).toBeNaN();
      expect(parsed.metrics.a).toBe(Number.POSITIVE_INFINITY);
      expect(parsed.metrics.b).toBe(Number.NEGATIVE_INFINITY);
      expect(parsed.metrics.note).toBeUndefined();
    }
    expect(parseJsonObjectLine('{"s": "a \\" NaN"}')).toEqual({ s: 'a " NaN' });
    expect(parseJsonObjectLine('[1]')).toBeNull();
  });

  it('refuses bad metric names and text that is not a number', () => {
    expect(parseMetricLine('{"epoch": 1, "bad name": 1, "ok": 2, "x": "3"}')!.metrics).toEqual({
      ok: 2,
    });
    expect(parseMetricNumber('1.5e-3')).toBe(1.5e-3);
    expect(parseMetricNumber('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseMetricNumber('0x10')).toBeNull();
    expect(parseMetricNumber('1,5')).toBeNull();
    expect(toMetricNumber('12')).toBeNull();
  });
});

describe('regex source', () => {
  it('reads named groups per line', () => {
    const text = 'Epoch 1 val_acc=0.50 loss=2\nnoise\nEpoch 2 val_acc=0.75 loss=nan';
    const ex = createRegexExtractor(
      'Epoch (?<epoch>\\d+) val_acc=(?<val_acc>[\\d.]+) loss=(?<loss>\\S+)',
    );
    const epochs = extractAll(ex, text);
    expect(epochs[0]).toEqual({ epoch: 1, metrics: { val_acc: 0.5, loss: 2 } });
    expect(epochs[1]!.metrics.loss).toBeNaN();
  });

  it('explains a pattern it cannot use', () => {
    expect(() => compileMetricPattern('(?<acc>\\d+)')).toThrow(/named group "epoch"/);
    expect(() => compileMetricPattern('(?<epoch>\\d+)')).toThrow(/group per metric/);
    expect(() => compileMetricPattern('(?<epoch>\\d+')).toThrow(/not a valid regular expression/);
  });

  it('keeps named groups in both spellings, (?<name>...) and (?P<name>...)', () => {
    const ex = createRegexExtractor('e(?P<epoch>\\d+) m=(?<bbox_mAP>[\\d.]+)');
    expect(extractAll(ex, 'e3 m=0.25')).toEqual([{ epoch: 3, metrics: { bbox_mAP: 0.25 } }]);
  });

  it('refuses what a linear-time engine cannot do, naming it', () => {
    const refused: Array<[string, RegExp]> = [
      ['(?<epoch>\\d+) (?<m>\\d)\\1', /backreferences .* not supported/],
      ['(?<epoch>\\d+) (?<m>\\d)\\k<m>', /backreferences/],
      ['(?<epoch>\\d+)(?=x) (?<m>\\d)', /lookahead .* not supported/],
      ['(?<epoch>\\d+)(?!x) (?<m>\\d)', /lookahead/],
      ['(?<=x)(?<epoch>\\d+) (?<m>\\d)', /lookbehind .* not supported/],
      ['(?<!x)(?<epoch>\\d+) (?<m>\\d)', /lookbehind/],
      ['(?>(?<epoch>\\d+)) (?<m>\\d)', /atomic groups/],
      ['(?<epoch>\\d++) (?<m>\\d)', /possessive quantifiers/],
      ['(?<epoch>\\d+)\\u00b5(?<m>\\d)', /write \\x\{XXXX\}/],
      ['(?<epoch>\\d+) (?<m>[z-a])', /RE2 syntax.*invalid character class range/],
      [`(?<epoch>\\d+)(?:[\\s\\S]{100}){10}(?<m>\\d)`, /too large once compiled/],
    ];
    for (const [pattern, message] of refused)
      expect(() => compileMetricPattern(pattern), pattern).toThrow(message);
    expect(MAX_PATTERN_INSTRUCTIONS).toBe(1000);
  });

  it('matches in linear time a pattern that backtracks exponentially in JavaScript', () => {
    // Native RegExp needs ~1.6^n steps on this line (seconds at n = 40): this finishes only on a linear engine.
    const ex = createRegexExtractor('(?<epoch>\\d+) (?<bbox_mAP>(a|aa)+)$');
    for (const n of [40, 1000, MAX_MATCH_CHARS * 4])
      expect(ex.push(`1 ${'a'.repeat(n)}!`)).toEqual([]);
    const numbers = createRegexExtractor('(?<epoch>\\d+) (?<bbox_mAP>(0|00)+)$');
    expect(numbers.push(`2 ${'0'.repeat(30)}`)).toEqual([{ epoch: 2, metrics: { bbox_mAP: 0 } }]);
  });

  it(`tries a pattern on the first ${MAX_MATCH_CHARS} characters of a line only`, () => {
    const ex = createRegexExtractor('e(?<epoch>\\d+) m=(?<m>[\\d.]+)');
    expect(ex.push(`${' '.repeat(MAX_MATCH_CHARS - 10)}e1 m=0.5`)).toHaveLength(1);
    expect(ex.push(`${' '.repeat(MAX_MATCH_CHARS)}e1 m=0.5`)).toEqual([]);
  });
});

describe('file source', () => {
  it('reads JSON lines or one JSON list', () => {
    expect(parseMetricFile('{"epoch": 1, "m": 1}\n{"epoch": 2, "m": 2}')).toEqual([
      { epoch: 1, metrics: { m: 1 } },
      { epoch: 2, metrics: { m: 2 } },
    ]);
    expect(parseMetricFile('[{"epoch": 1, "m": 1}, {"epoch": 1, "n": NaN}]')).toHaveLength(1);
    expect(parseMetricFile('{"epochs": [{"epoch": 3, "m": 0.5}]}')).toEqual([
      { epoch: 3, metrics: { m: 0.5 } },
    ]);
    expect(createJsonlExtractor().end()).toEqual([]);
  });

  it('watches a file as it grows and reports each changed epoch once', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'metric-file-')), 'm.jsonl');
    const seen: Array<[number, number]> = [];
    let polls = 0;
    const w = watchMetricFile(
      () => (++polls, file),
      (e) => seen.push([e.epoch, e.metrics.m!]),
      20,
    );
    await waitFor('two polls before the file exists', async () => polls >= 2, 10_000, 10);
    expect(seen).toEqual([]); // no file yet: nothing
    writeFileSync(file, '{"epoch": 1, "m": 1}\n');
    await waitFor('epoch 1 to be read', async () => seen.length > 0, 10_000, 10);
    const pollsAfterEpoch1 = polls;
    await waitFor(
      'another poll of the unchanged file',
      async () => polls > pollsAfterEpoch1 + 1,
      10_000,
      10,
    );
    writeFileSync(file, '{"epoch": 1, "m": 1}\n{"epoch": 2, "m": 2}');
    await w.stop();
    expect(seen).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});
