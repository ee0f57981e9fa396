/** A trial's output (`.../log?tail=N`) and the parser check (`POST /parsers/check`). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema } from '@sweeps/api-client';
import { TRIAL_STATES } from '@sweeps/core';
import { countLines, MAX_PATTERN_CHARS } from '@sweeps/trainer-command/spec';
import type { ApiDeps } from '../services/deps.ts';
import { derivedConfigPreview } from '../services/derived-config-service.ts';
import {
  MAX_SAMPLE_CHARS,
  MAX_SAMPLE_LINES,
  type ParserCheckOptions,
  ParserChecker,
} from '../services/parser-service.ts';
import { trialLogView } from '../services/trial-log-service.ts';
import { TrialParams } from './schemas.ts';

const TailQuery = z.strictObject({
  tail: z.coerce.number().int().min(1).max(2000).default(200),
});
const TrialLogResponse = z.object({
  trialId: z.string(),
  sweepId: z.string(),
  state: z.enum(TRIAL_STATES),
  running: z.boolean().describe('queued or running: more lines may come'),
  total: z.number().int().describe('lines written so far'),
  lines: z.array(z.string()),
});
const MetricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
/** A 1 MiB sample as JSON (escaped newlines and quotes take two bytes) with room for the pattern. */
const PARSER_CHECK_BODY_LIMIT = 2 * 1024 * 1024;
const SAMPLE_LIMIT = `a sample holds at most 1 MiB (${MAX_SAMPLE_CHARS.toLocaleString('en')} characters) and ${MAX_SAMPLE_LINES.toLocaleString('en')} lines`;
const CheckBody = z.strictObject({
  parser: z
    .string()
    .min(1)
    .max('regex:'.length + MAX_PATTERN_CHARS, {
      message: `a parser name or regex:PATTERN, the pattern at most ${MAX_PATTERN_CHARS} characters`,
    })
    .describe(
      'mmdet2, mmdet3, jsonl or regex:PATTERN (RE2 syntax; named groups: epoch and one per metric)',
    ),
  sample: z
    .string()
    .max(MAX_SAMPLE_CHARS, { message: SAMPLE_LIMIT })
    .refine((s) => countLines(s) <= MAX_SAMPLE_LINES, { message: SAMPLE_LIMIT })
    .describe(`a log, stdout capture or metric file: ${SAMPLE_LIMIT}`),
  metric: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.]{0,99}$/)
    .default('bbox_mAP')
    .describe("the sweep's metric name"),
});
const CheckResponse = z.object({
  parser: z.string(),
  metric: z.string(),
  epochs: z.array(
    z.object({ epoch: z.number().int(), metrics: z.record(z.string(), MetricValue) }),
  ),
  found: z.boolean(),
  message: z.string(),
});

const DerivedConfigBody = z.strictObject({
  sweep: z.record(z.string(), z.unknown()).describe('the sweep file as JSON'),
  cell: z.number().int().min(1).describe('the cell number, as `preview` lists them (from 1)'),
  checkpoint: z.string().max(100).optional().describe('default: the first checkpoint'),
  seed: z.number().int().min(0).optional().describe('default: the first seed'),
});
const DerivedConfigResponse = z.object({
  cell: z.object({
    index: z.number().int(),
    optimizer: z.string(),
    params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
    configHash: z.string(),
  }),
  checkpoint: z.string(),
  seed: z.number().int(),
  config: z.string().describe('the derived config the worker writes into the trial directory'),
  argv: z.array(z.string()).describe('the command the worker runs, one argv entry each'),
  cwd: z.string(),
});

export function logAndParserRoutes(
  deps: ApiDeps,
  parserCheck: ParserCheckOptions = {},
): FastifyPluginAsyncZod {
  return async (app) => {
    const checker = new ParserChecker(parserCheck);
    app.addHook('onClose', async () => checker.close());
    app.get(
      '/sweeps/:id/trials/:trialId/log',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trials'],
          summary: "A trial's last output lines (stdout and stderr), also while it runs",
          params: TrialParams,
          querystring: TailQuery,
          response: { 200: TrialLogResponse },
        },
      },
      async (req) => trialLogView(deps, req.params.trialId, req.query.tail, req.params.id),
    );

    app.get(
      '/trials/:trialId/log',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['trials'],
          summary: 'The same, by trial id alone (for `sweeps logs TRIAL`)',
          params: TrialParams.pick({ trialId: true }),
          querystring: TailQuery,
          response: { 200: TrialLogResponse },
        },
      },
      async (req) => trialLogView(deps, req.params.trialId, req.query.tail),
    );

    app.post(
      '/sweeps/preview/derived-config',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['sweeps'],
          summary: 'The derived MMDetection config and command of one cell of an mmdet sweep',
          body: DerivedConfigBody,
          response: { 200: DerivedConfigResponse },
        },
      },
      async (req) => derivedConfigPreview(deps, req.body),
    );

    app.post(
      '/parsers/check',
      {
        config: { scope: 'read' },
        bodyLimit: PARSER_CHECK_BODY_LIMIT,
        schema: {
          tags: ['parsers'],
          summary:
            'What a metric parser extracts from a sample log, per epoch; says if the metric is missing',
          description: `Runs in a worker thread with a time limit (${checker.timeoutMs} ms): past it, 422.`,
          body: CheckBody,
          response: { 200: CheckResponse, '4xx': ErrorBodySchema, '5xx': ErrorBodySchema },
        },
      },
      async (req) => checker.check(req.body),
    );
  };
}
