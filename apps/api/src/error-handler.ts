/**
 * One place where errors become HTTP responses. Every 4xx body names what is wrong:
 * `{ error: { code, message, issues: [{ path, message, value? }] } }`. A 5xx never shows internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, valueAt, type DomainErrorCode, type ErrorIssue } from '@sweeps/core';
import { isDatabaseUnreachable } from '@sweeps/db';
import { isRedisUnreachable } from '@sweeps/queue';

const STATUS: Record<DomainErrorCode, number> = {
  INVALID_SPEC: 400,
  TOO_MANY_TRIALS: 400,
  SWEEP_NOT_FOUND: 404,
  TRIAL_NOT_FOUND: 404,
  ATTEMPT_NOT_FOUND: 404,
  SWEEP_CANCELLED: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_CONFLICT: 409,
  NOTHING_SUCCEEDED: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INVALID_REQUEST: 400,
  MALFORMED_JSON: 400,
  RATE_LIMITED: 429,
  PARSER_CHECK_TOO_COSTLY: 422,
  QUOTA_EXCEEDED: 429,
  UNAVAILABLE: 503,
};

/** Seconds a client is told to wait after a 503 (PostgreSQL or Redis did not answer). */
export const RETRY_AFTER_S = 5;

/** fastify's own request errors, in words a user understands. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'The request body is empty; send a JSON object',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'BODY_TOO_LARGE',
    message:
      'The request body is too large: at most 1 MiB (2 MiB for a parser check, whose sample may hold 1 MiB)',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'The Content-Length header does not match the body',
  },
};

export function errorBody(code: string, message: string, issues: ErrorIssue[] = []) {
  return { error: { code, message, issues } };
}

function validationIssues(
  error: FastifyError & { validation: Array<{ instancePath: string; message?: string }> },
  where: string,
  data: unknown,
): ErrorIssue[] {
  return error.validation.map((v) => {
    const parts = v.instancePath.split('/').filter(Boolean);
    const value = valueAt(data, parts);
    const path = parts.length ? `${where}.${parts.join('.')}` : where;
    return { path, message: v.message ?? 'invalid', ...(value === undefined ? {} : { value }) };
  });
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError && error.code === 'UNAVAILABLE') {
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send(errorBody(error.code, error.message));
    }
    if (error instanceof DomainError) {
      return reply
        .status(STATUS[error.code])
        .send(errorBody(error.code, error.message, error.issues));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as FastifyError).validationContext ?? 'request';
      const data =
        where === 'querystring'
          ? request.query
          : where === 'params'
            ? request.params
            : where === 'headers'
              ? request.headers
              : request.body;
      const issues = validationIssues(error as never, where, data);
      return reply
        .status(400)
        .send(
          errorBody(
            'INVALID_REQUEST',
            `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
            issues,
          ),
        );
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) return reply.status(known.status).send(errorBody(known.code, known.message));
    if (error.statusCode === 429)
      return reply.status(429).send(errorBody('RATE_LIMITED', error.message));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('BAD_REQUEST', error.message));
    }
    // Redis's errors first: a refused Redis connection also reads as a socket error to the database's test.
    const redis = isRedisUnreachable(error);
    if (redis || isDatabaseUnreachable(error)) {
      request.log.warn({ err: error }, 'a service did not answer');
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send(
          errorBody(
            'UNAVAILABLE',
            `${redis ? 'Redis' : 'PostgreSQL'} did not answer; retry in ${RETRY_AFTER_S} s. A sweep is created whole or not at all.`,
          ),
        );
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send(
        errorBody(
          'INTERNAL',
          'Something went wrong on the server; the error was logged. Nothing was changed by this request unless it says otherwise.',
        ),
      );
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        errorBody(
          'NOT_FOUND',
          `There is no ${request.method} ${request.url.split('?')[0]}; see /docs for the API.`,
        ),
      );
  });
}
