import type { IncomingMessage } from 'node:http';

/** The request ids the gateway takes from a trusted proxy as they are. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The longest caller-supplied id the gateway keeps (audit, access log) when it does not honour it. */
export const MAX_CLIENT_REQUEST_ID_LENGTH = 128;

export interface RequestIdPolicy {
  /** Whether the socket peer is a trusted proxy (GATEWAY_TRUSTED_PROXIES), whose ids are honoured. */
  trustsPeer: (peer: string | undefined) => boolean;
  /** A fresh request id. */
  mint: () => string;
}

/**
 * Fastify's `genReqId` (DESIGN §9): a well-formed `X-Request-Id` is the request's id only when the
 * socket peer is a trusted proxy; from anyone else the gateway mints its own, so no caller can give
 * its requests another caller's id in the audit trail.
 */
export function requestIdGenerator(policy: RequestIdPolicy): (req: IncomingMessage) => string {
  return (req) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) && policy.trustsPeer(req.socket.remoteAddress)
      ? given
      : policy.mint();
  };
}

/**
 * The caller's own `X-Request-Id` when the gateway did not take it as the request id: kept as
 * `clientRequestId` (audited, logged), at most 128 characters, anything but printable ASCII as `?`.
 */
export function clientRequestIdOf(
  header: string | string[] | undefined,
  requestId: string,
): string | undefined {
  const given = Array.isArray(header) ? header.join(', ') : header;
  if (given === undefined || given === '' || given === requestId) {
    return undefined;
  }
  return given.slice(0, MAX_CLIENT_REQUEST_ID_LENGTH).replace(/[^\x20-\x7e]/g, '?');
}
