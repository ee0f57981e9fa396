/** /api/v1/sweeps: each route validates, calls one service function, returns. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  BestTableSchema,
  CancelResultSchema,
  DeleteResultSchema,
  ErrorBodySchema,
  ExtendResultSchema,
  GridSchema,
  PreviewSchema,
  RetryResultSchema,
  SubmitResultSchema,
  SweepListSchema,
  SweepSchema,
  TextSchema,
  TrialPageSchema,
  TrialSchema,
} from '@sweeps/api-client/schemas';
import { callerOf } from '../auth.ts';
import type { ApiDeps } from '../services/deps.ts';
import { sendSharedJson } from '../services/shared-json.ts';
import {
  bestJson,
  exportView,
  gridJson,
  sweepJson,
  sweepsView,
  trialsView,
  trialView,
} from '../services/read-service.ts';
import {
  cancelSweepEverywhere,
  deleteSweepEverywhere,
  extendExistingSweep,
  previewSweep,
  retryFailedEverywhere,
  submitSweep,
} from '../services/sweep-service.ts';
import {
  ExportQuery,
  BestQuery,
  GridQuery,
  IdempotencyHeaders,
  JsonObjectBody,
  ListSweepsQuery,
  ListTrialsQuery,
  SweepParams,
  TrialParams,
  TrialQuery,
} from './schemas.ts';

const read = { scope: 'read' as const };
const write = { scope: 'write' as const };
/** Every refusal has the same body (see error-handler.ts). */
const errors = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema };

export function sweepRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/sweeps/preview',
      {
        config: read,
        schema: {
          tags: ['sweeps'],
          summary: 'Trial counts, cells and refused values of a sweep file, without creating it',
          body: JsonObjectBody,
          response: { 200: PreviewSchema, ...errors },
        },
      },
      async (req) => previewSweep(deps, req.body),
    );

    app.post(
      '/sweeps',
      {
        config: write,
        schema: {
          tags: ['sweeps'],
          summary: 'Create a sweep and enqueue its trials',
          body: JsonObjectBody,
          headers: IdempotencyHeaders,
          response: { 200: SubmitResultSchema, 201: SubmitResultSchema, ...errors },
        },
      },
      async (req, reply) => {
        const out = await submitSweep(
          deps,
          req.body,
          req.headers['idempotency-key'],
          callerOf(req),
        );
        return reply
          .status(out.created ? 201 : 200)
          .header('location', `/api/v1/sweeps/${out.id}`)
          .send(out);
      },
    );

    app.get(
      '/sweeps',
      {
        config: read,
        schema: {
          tags: ['sweeps'],
          summary: 'Sweeps, newest first, with trial counts',
          querystring: ListSweepsQuery,
          response: { 200: SweepListSchema, ...errors },
        },
      },
      async (req) => sweepsView(deps, req.query.limit, req.query.before),
    );

    app.get(
      '/sweeps/:id',
      {
        config: read,
        schema: {
          tags: ['sweeps'],
          summary: 'A sweep: phase, counts by state, checkpoints, spec',
          params: SweepParams,
          response: { 200: SweepSchema, ...errors },
        },
      },
      // JSON text shared by every reader for one read interval (see IntervalReads): sent as it is
      async (req, reply) =>
        sendSharedJson(req, reply, await sweepJson(deps, req.params.id, callerOf(req))),
    );

    app.get(
      '/sweeps/:id/trials',
      {
        config: read,
        schema: {
          tags: ['trials'],
          summary: 'Trials, filtered by state and checkpoint, paged by cursor',
          params: SweepParams,
          querystring: ListTrialsQuery,
          response: { 200: TrialPageSchema, ...errors },
        },
      },
      async (req) => trialsView(deps, { sweepId: req.params.id, ...req.query }),
    );

    app.get(
      '/sweeps/:id/trials/:trialId',
      {
        config: read,
        schema: {
          tags: ['trials'],
          summary:
            'A trial with the per-epoch metrics of its latest lease (or of the lease asked for), a page of at most 1,000 epochs at a time',
          params: TrialParams,
          querystring: TrialQuery,
          response: { 200: TrialSchema, ...errors },
        },
      },
      async (req) =>
        trialView(deps, req.params.id, req.params.trialId, req.query.lease ?? req.query.attempt, {
          from: req.query.epochs_from,
          limit: req.query.epochs_limit,
        }),
    );

    app.get(
      '/sweeps/:id/grid',
      {
        config: read,
        schema: {
          tags: ['results'],
          summary:
            "Per checkpoint and optimizer, the lr x weight-decay matrix of the final (or best-epoch) metric, with each cell's trial states",
          params: SweepParams,
          querystring: GridQuery,
          response: { 200: GridSchema, ...errors },
        },
      },
      // the body is JSON text already (shared by every reader for one read interval): sent as it is
      async (req, reply) =>
        sendSharedJson(req, reply, await gridJson(deps, req.params.id, req.query.value)),
    );

    app.get(
      '/sweeps/:id/best',
      {
        config: read,
        schema: {
          tags: ['results'],
          summary: 'Best setting per checkpoint and its gain over the baseline checkpoint',
          params: SweepParams,
          querystring: BestQuery,
          response: { 200: BestTableSchema, ...errors },
        },
      },
      async (req, reply) =>
        sendSharedJson(req, reply, await bestJson(deps, req.params.id, req.query.value)),
    );

    app.get(
      '/sweeps/:id/export',
      {
        config: read,
        schema: {
          tags: ['results'],
          summary: 'The best table or the grid as CSV or Markdown',
          params: SweepParams,
          querystring: ExportQuery,
          response: { 200: TextSchema, ...errors },
        },
      },
      async (req, reply) => {
        const text = await exportView(
          deps,
          req.params.id,
          req.query.table,
          req.query.format,
          req.query.value,
        );
        return reply
          .type(
            req.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'text/markdown; charset=utf-8',
          )
          .send(text);
      },
    );

    app.post(
      '/sweeps/:id/cancel',
      {
        config: write,
        schema: {
          tags: ['sweeps'],
          summary:
            'Cancel queued and paused trials and stop running ones (its creator key or an admin key)',
          params: SweepParams,
          response: { 200: CancelResultSchema, ...errors },
        },
      },
      async (req) => cancelSweepEverywhere(deps, req.params.id, callerOf(req)),
    );

    app.delete(
      '/sweeps/:id',
      {
        config: write,
        schema: {
          tags: ['sweeps'],
          summary:
            'Delete a sweep with its trials and metrics (its creator key or an admin key); running trials are stopped',
          params: SweepParams,
          response: { 200: DeleteResultSchema, ...errors },
        },
      },
      async (req) => deleteSweepEverywhere(deps, req.params.id, callerOf(req)),
    );

    app.post(
      '/sweeps/:id/retry-failed',
      {
        config: write,
        schema: {
          tags: ['sweeps'],
          summary: 'Queue the failed trials again, only those (its creator key or an admin key)',
          params: SweepParams,
          response: { 200: RetryResultSchema, ...errors },
        },
      },
      async (req) => retryFailedEverywhere(deps, req.params.id, callerOf(req)),
    );

    app.post(
      '/sweeps/:id/extend',
      {
        config: write,
        schema: {
          tags: ['sweeps'],
          summary: 'Add checkpoints, grid values or seeds; existing cells are not run again',
          params: SweepParams,
          body: JsonObjectBody,
          response: { 200: ExtendResultSchema, ...errors },
        },
      },
      async (req) => extendExistingSweep(deps, req.params.id, req.body, callerOf(req)),
    );
  };
}
