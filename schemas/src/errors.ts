import type { ErrorCode } from "./contracts.js";

/**
 * The one error type for refusals: anything in PEA that refuses on purpose (a bad argument, a
 * missing entity, a role that does not allow it, a conflict) throws a PeaError carrying a code from
 * the closed list. HTTP statuses are chosen in one place, from the code (`errorStatus`), when
 * http-kit turns the error into the error envelope; the CLI prints the message and exits non-zero.
 * Anything else that is thrown is a fault: a 500 that says nothing internal.
 */
export class PeaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The HTTP status of each error code. */
export const errorStatus = {
  invalid_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_many_requests: 429,
  invalid_artifact: 401,
  not_ready: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;
