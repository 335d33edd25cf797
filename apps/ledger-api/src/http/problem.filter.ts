import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotentReplay } from './idempotency';
import { Problem } from './problem';

/**
 * The one place where anything thrown becomes application/problem+json; and where an idempotent repeat, stopped by
 * `IdempotencyGuard` before its handler ran, is answered with the first response.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (exception instanceof IdempotentReplay) {
      reply.status(exception.status).send(exception.body);
      return;
    }
    const problem = toProblem(exception);
    if (problem.status >= 500) {
      // Never log request bodies or messages that could carry PHI: the route and the error class only.
      this.logger.error(`${request.method} ${request.routeOptions?.url ?? 'unknown route'} failed: ${errorName(exception)}`,
        exception instanceof Error ? exception.stack : undefined);
    }
    reply
      .status(problem.status)
      .headers({ 'content-type': 'application/problem+json; charset=utf-8', ...problem.headers })
      .send(JSON.stringify(problem.toJSON()));
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

export function toProblem(exception: unknown): Problem {
  if (exception instanceof Problem) return exception;
  const fastifyCode = (exception as { code?: string } | null)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'payload-too-large', 'Payload too large', 'The request body is larger than 1 MiB.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return Problem.badRequest('The JSON body is empty.', [{ field: 'body', message: 'must be a JSON object' }]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return Problem.badRequest('The body is not valid JSON.', [{ field: 'body', message: 'must be valid JSON' }]);
  }
  if (exception instanceof SyntaxError || (exception as { statusCode?: number } | null)?.statusCode === 400 && fastifyCode?.startsWith('FST_')) {
    return Problem.badRequest('The body is not valid JSON.', [{ field: 'body', message: 'must be valid JSON' }]);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return Problem.notFound('No such route.');
    if (status === 400) return Problem.badRequest('The request is not valid.', [{ field: 'body', message: exception.message }]);
    return new Problem(status, `http-${status}`, exception.message, exception.message);
  }
  return new Problem(500, 'internal-error', 'Internal error', 'The ledger could not complete the request; nothing was lost.');
}
