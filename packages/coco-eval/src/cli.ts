import { parseArgs } from 'node:util';
import { CocoInputError } from './errors.ts';
import { evaluate } from './evaluate.ts';
import { formatFixed } from './numpy-compat.ts';
import { loadDetections, loadGroundTruth } from './read-json.ts';
import { STAT_NAMES, summarize } from './summarize.ts';
import type { CategoryResult, EvaluationResult } from './types.ts';

/** Exit codes of the `coco-eval` bin. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

export const USAGE = `usage: coco-eval GT.json DT.json [--json] [--per-category]

COCO bbox evaluation with pycocotools' numbers (COCOeval(gt, dt, 'bbox')).
  GT.json          ground truth, COCO instances format
  DT.json          detections, COCO results format ([{image_id, category_id, bbox, score}, ...])
  --json           print one JSON object {"stats": [12 numbers in pycocotools' order], ...}
  --per-category   add per-category AP (a table, or "perCategory" in the JSON)
Exit codes: 0 success, 2 bad input or usage, 1 internal error.`;

/** Where the CLI writes; process.stdout/stderr in the bin, buffers in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

interface CliArgs {
  gtPath: string;
  dtPath: string;
  json: boolean;
  perCategory: boolean;
}

class UsageError extends Error {}

function parseUsage(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        'per-category': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseCliArgs(argv: string[]): CliArgs | 'help' {
  const parsed = parseUsage(argv);
  if (parsed.values.help) return 'help';
  const [gtPath, dtPath, ...rest] = parsed.positionals;
  if (gtPath === undefined || dtPath === undefined || rest.length > 0)
    throw new UsageError('expected exactly two files, GT.json and DT.json');
  return {
    gtPath,
    dtPath,
    json: parsed.values.json === true,
    perCategory: parsed.values['per-category'] === true,
  };
}

function cell(value: number): string {
  return (value === -1 ? '-' : formatFixed(value, 3)).padStart(7);
}

/** A fixed-width per-category table (AP columns; '-' where the category has no ground truth). */
export function formatCategoryTable(categories: CategoryResult[]): string[] {
  const width = Math.max(4, ...categories.map((c) => c.name.length));
  const head = `${'id'.padStart(6)}  ${'name'.padEnd(width)}${['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100', 'gt'].map((h) => h.padStart(7)).join('')}`;
  const rows = categories.map((c) => {
    const values = [c.ap, c.ap50, c.ap75, c.apSmall, c.apMedium, c.apLarge, c.ar100]
      .map(cell)
      .join('');
    return `${String(c.categoryId).padStart(6)}  ${c.name.padEnd(width)}${values}${String(c.gtCount).padStart(7)}`;
  });
  return [head, ...rows];
}

function toJson(result: EvaluationResult, perCategory: boolean): string {
  const p = result.params;
  const doc = {
    stats: result.stats,
    names: STAT_NAMES,
    lines: summarize(result),
    ...(perCategory ? { perCategory: result.perCategory } : {}),
    params: {
      iouThresholds: p.iouThresholds,
      maxDets: p.maxDets,
      areaRanges: p.areaRanges,
      useCats: p.useCats,
      imageCount: p.imageIds.length,
      categoryCount: p.useCats ? p.categoryIds.length : 0,
    },
    skipped: result.skipped,
  };
  return JSON.stringify(doc);
}

function run(args: CliArgs, output: CliOutput): void {
  const gt = loadGroundTruth(args.gtPath);
  const dts = loadDetections(args.dtPath, gt);
  const result = evaluate(gt, dts);
  if (args.json) {
    output.out(`${toJson(result, args.perCategory)}\n`);
    return;
  }
  const lines = summarize(result);
  if (args.perCategory) lines.push('', ...formatCategoryTable(result.perCategory));
  output.out(`${lines.join('\n')}\n`);
}

/** The `coco-eval` command: returns the exit code; never throws, never prints a stack trace. */
export function runCli(argv: string[], output: CliOutput): number {
  try {
    const args = parseCliArgs(argv);
    if (args === 'help') {
      output.out(`${USAGE}\n`);
      return EXIT_OK;
    }
    run(args, output);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      output.err(`coco-eval: ${err.message}\n${USAGE}\n`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof CocoInputError) {
      output.err(`coco-eval: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    output.err(`coco-eval: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
