import { create, type JsonObject, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Metadata, status as GrpcCode, type ServiceError } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { Problem } from '../http/problem';
import { ErrorDetailSchema, StatusSchema } from './gen/consent/v1/errors_pb';

/** HTTP status of a problem → gRPC status code (the gRPC/HTTP mapping of google.rpc.Code). */
export function grpcCodeOf(httpStatus: number, slug: string): GrpcCode {
  switch (httpStatus) {
    case 400: return GrpcCode.INVALID_ARGUMENT;
    case 401: return GrpcCode.UNAUTHENTICATED;
    case 403: return GrpcCode.PERMISSION_DENIED;
    case 404: return GrpcCode.NOT_FOUND;
    // A conflict with what the ledger holds: an existing id is ALREADY_EXISTS, the rest a precondition not met.
    case 409: return slug === 'authorization-exists' ? GrpcCode.ALREADY_EXISTS : GrpcCode.FAILED_PRECONDITION;
    case 413: return GrpcCode.RESOURCE_EXHAUSTED;
    case 415: return GrpcCode.INVALID_ARGUMENT;
    // 422: the request was well formed but the domain refused it (defective authorization, invalid command).
    case 422: return GrpcCode.FAILED_PRECONDITION;
    case 429: return GrpcCode.RESOURCE_EXHAUSTED;
    case 503: return GrpcCode.UNAVAILABLE;
    case 504: return GrpcCode.DEADLINE_EXCEEDED;
    default: return httpStatus >= 500 ? GrpcCode.INTERNAL : GrpcCode.UNKNOWN;
  }
}

const logger = new Logger('grpc');

/**
 * The one place where an error becomes a gRPC status: a Problem (the HTTP edge's error, thrown by the same handlers)
 * keeps its class, message and details — `grpc-status-details-bin` holds a google.rpc.Status-compatible message
 * whose one detail is a consent.v1.ErrorDetail with the problem's type, title, detail, field errors and extensions.
 * Anything else is INTERNAL with no detail (it may hold data that must not leave the process).
 */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  if (!(error instanceof Problem)) {
    logger.error(`unexpected error: ${error instanceof Error ? error.name : typeof error}`);
    return { code: GrpcCode.INTERNAL, details: 'Internal error', metadata: new Metadata() };
  }
  const code = grpcCodeOf(error.status, error.slug);
  const { errors, ...extensions } = error.extensions as { errors?: { field: string; message: string }[] } & JsonObject;
  const detail = create(ErrorDetailSchema, {
    type: error.slug,
    title: error.title,
    detail: error.detail,
    httpStatus: error.status,
    errors: Array.isArray(errors) ? errors.map((e) => ({ field: String(e.field), message: String(e.message) })) : [],
    extensions: JSON.parse(JSON.stringify(extensions)) as JsonObject,
  });
  const statusMessage = create(StatusSchema, { code, message: error.detail, details: [anyPack(ErrorDetailSchema, detail)] });
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(toBinary(StatusSchema, statusMessage)));
  for (const [name, value] of Object.entries(error.headers)) {
    if (name.toLowerCase() === 'retry-after') metadata.set('retry-after', value);
  }
  return { code, details: error.detail, metadata };
}
