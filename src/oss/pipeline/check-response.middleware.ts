import { OssServiceError } from '../errors.js';
import type { OssHttpResponse } from '../operations/operation.js';
import { isElement, parseXmlDocument } from '../xml/xml-codec.js';
import type { XmlNode } from '../xml/xml-codec.js';
import type { Middleware } from './pipeline.js';

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'AccessDenied',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  409: 'Conflict',
  411: 'MissingContentLength',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const KNOWN_FIELDS = new Set(['Code', 'Message', 'RequestId', 'HostId', 'EC']);
const MAX_DETAIL_LENGTH = 1024;

function parseErrorXml(body: string): Record<string, string> | undefined {
  try {
    const { name, content } = parseXmlDocument(body);
    if (name !== 'Error' || !isElement(content)) {
      return undefined;
    }
    const fields: Record<string, string> = {};
    for (const key of Object.keys(content)) {
      const value: XmlNode | XmlNode[] = content[key];
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') {
        fields[key] = first.slice(0, MAX_DETAIL_LENGTH);
      }
    }
    return fields;
  } catch {
    return undefined;
  }
}

/** A timestamp the server reported: `ServerTime` in the body, else `x-oss-server-time` if it is an epoch, else `Date`. */
function serverTimeOf(
  fields: Record<string, string> | undefined,
  headers: Record<string, string>,
): Date | undefined {
  const candidates: (number | undefined)[] = [];
  if (fields?.['ServerTime']) {
    const raw = fields['ServerTime'];
    candidates.push(/^\d+$/.test(raw) ? Number(raw) * (raw.length <= 10 ? 1000 : 1) : Date.parse(raw));
  }
  const header = headers['x-oss-server-time'];
  if (header && /^\d{10,13}$/.test(header)) {
    candidates.push(Number(header) * (header.length <= 10 ? 1000 : 1));
  }
  if (headers['date']) {
    candidates.push(Date.parse(headers['date']));
  }
  const ms = candidates.find((c) => c !== undefined && Number.isFinite(c));
  return ms === undefined ? undefined : new Date(ms);
}

/**
 * Builds the typed error of a non-2xx response: from its `<Error>` body, else from the base64
 * `x-oss-err` header (HEAD responses), else from the status; request id and EC fall back to headers.
 */
export function parseServiceError(response: OssHttpResponse): OssServiceError {
  let fields = response.body.length > 0 ? parseErrorXml(response.body.toString('utf8')) : undefined;
  if (!fields && response.headers['x-oss-err']) {
    fields = parseErrorXml(Buffer.from(response.headers['x-oss-err'], 'base64').toString('utf8'));
  }
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (!KNOWN_FIELDS.has(key)) {
      details[key] = value;
    }
  }
  const status = response.status;
  return new OssServiceError({
    status,
    code: fields?.['Code'] || STATUS_CODES[status] || `HttpStatus${status}`,
    message: fields?.['Message'] || `OSS answered HTTP ${status}`,
    requestId: fields?.['RequestId'] || response.headers['x-oss-request-id'] || '',
    hostId: fields?.['HostId'] || '',
    ec: fields?.['EC'] || response.headers['x-oss-ec'] || '',
    details,
    serverTime: serverTimeOf(fields, response.headers),
  });
}

/** Turns every non-2xx response into an `OssServiceError`. */
export const checkResponseMiddleware: Middleware = (next) => (ctx) => next(ctx).then(checkStatus);

function checkStatus(response: OssHttpResponse): OssHttpResponse {
  if (response.status < 200 || response.status >= 300) {
    throw parseServiceError(response);
  }
  return response;
}
