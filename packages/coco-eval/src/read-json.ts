import { readFileSync } from 'node:fs';
import { CocoInputError } from './errors.ts';
import { parseDetections, parseGroundTruth } from './parse.ts';
import type { CocoDetection, CocoGroundTruth } from './types.ts';

/**
 * Reads and parses a JSON file.
 * @throws CocoInputError when the file cannot be read or is not valid JSON.
 */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CocoInputError(
      `${path}: cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CocoInputError(`${path}: malformed JSON: ${(err as Error).message}`);
  }
}

function inFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof CocoInputError)
      throw new CocoInputError(`${path}: ${err.message}`, err.path);
    throw err;
  }
}

/** Reads and checks a ground-truth file; errors name the file and the entry. */
export function loadGroundTruth(path: string): CocoGroundTruth {
  const json = readJsonFile(path);
  return inFile(path, () => parseGroundTruth(json));
}

/** Reads and checks a detections file against its ground truth; errors name the file and the entry. */
export function loadDetections(path: string, gt: CocoGroundTruth): CocoDetection[] {
  const json = readJsonFile(path);
  return inFile(path, () => parseDetections(json, gt));
}
