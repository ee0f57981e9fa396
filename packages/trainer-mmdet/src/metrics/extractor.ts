/**
 * One reader for everything MMDetection writes: each line is read as a JSON log line when it is a JSON object and
 * as text output otherwise, so a `.log.json`, a `scalars.json`, a `.log` file and a captured stdout all go
 * through the same call. Both major versions are recognised by either reader; `version` is kept for the names
 * users pick (`mmdet2`, `mmdet3`) and for messages.
 */
import { type EpochLine, type MetricExtractor, mergeEpochs } from '@sweeps/trainer-command/metrics';
import { MmdetJsonExtractor } from './json-log.ts';
import { MmdetTextExtractor } from './text-log.ts';

export type MmdetVersion = 2 | 3;

export function createMmdetExtractor(_version: MmdetVersion): MetricExtractor {
  const json = new MmdetJsonExtractor();
  const text = new MmdetTextExtractor();
  return {
    push: (line) => (line.trimStart().startsWith('{') ? json.push(line) : text.push(line)),
    end: (): EpochLine[] => mergeEpochs([...text.end(), ...json.end()]),
  };
}
