/** What an AWS SDK error says, read the same way everywhere: its name, HTTP status and headers. */

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof (error as { name?: unknown })?.name === 'string' ? (error as { name: string }).name : '';
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** A response header of an AWS error, when the SDK kept the raw response. */
export function responseHeader(error: unknown, header: string): string | undefined {
  const headers = (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers ?? {};
  return Object.entries(headers).find(([name]) => name.toLowerCase() === header)?.[1];
}

/** One line for an AWS or system error: its name, message and HTTP status when there is one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatus(error);
  const message = error.message && error.message !== 'UnknownError' ? error.message : 'no message';
  return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}

export function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return httpStatus(error) === 403 || name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation';
}

/** S3: the object (or bucket) is not there. */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(error) === 404;
}

/**
 * S3's answer to a conditional write whose `If-Match` / `If-None-Match` did not hold (412 PreconditionFailed), or
 * that raced another conditional request (409 ConditionalRequestConflict): someone else got there first.
 */
export function isConditionFailure(error: unknown): boolean {
  const name = errorName(error);
  const status = httpStatus(error);
  return status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}
