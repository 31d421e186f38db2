import { OssServiceError } from '../errors.js';
import type { OssHttpResponse } from '../operations/operation.js';
import { isElement, parseXmlDocument } from '../xml/xml-codec.js';
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

const KNOWN_FIELDS = new Set(['Code', 'Message', 'RequestId', 'HostId', 'EC', 'AccessDeniedDetail']);
const MAX_DETAIL_LENGTH = 1024;

/** What an error body says: its text fields, and the children of a nested `AccessDeniedDetail`. */
interface ErrorFields {
  fields: Record<string, string>;
  accessDeniedDetail?: Record<string, string>;
}

/** Text children of an element (or string members of a JSON object), trimmed and capped; nested ones skipped. */
function textFields(node: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    return fields;
  }
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean') {
      fields[key] = String(first).trim().slice(0, MAX_DETAIL_LENGTH);
    }
  }
  return fields;
}

function errorFieldsOf(content: unknown): ErrorFields {
  const result: ErrorFields = { fields: textFields(content) };
  const nested = (content as Record<string, unknown>)['AccessDeniedDetail'];
  const detail = textFields(Array.isArray(nested) ? nested[0] : nested);
  if (Object.keys(detail).length > 0) {
    result.accessDeniedDetail = detail;
  }
  return result;
}

function parseErrorXml(body: string): ErrorFields | undefined {
  try {
    const { name, content } = parseXmlDocument(body);
    if (name !== 'Error' || !isElement(content)) {
      return undefined;
    }
    return errorFieldsOf(content);
  } catch {
    return undefined;
  }
}

/** A JSON error body (`{"Code": …, "Message": …, "RequestId": …, "EC": …}`, or the same under `Error`). */
function parseErrorJson(body: string): ErrorFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return undefined;
  }
  const wrapped = (parsed as Record<string, unknown>)['Error'];
  const content = typeof wrapped === 'object' && wrapped !== null ? wrapped : parsed;
  const result = errorFieldsOf(content);
  return result.fields['Code'] ? result : undefined;
}

function parseErrorBody(body: Buffer, contentType: string | undefined): ErrorFields | undefined {
  const text = body.toString('utf8');
  return /\bjson\b/i.test(contentType ?? '') ? parseErrorJson(text) : parseErrorXml(text);
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
 * Builds the typed error of a non-2xx response: from its `<Error>` body (or a JSON body when the
 * Content-Type says so), else from the base64 `x-oss-err` header (HEAD responses), else from the
 * status; request id and EC fall back to headers.
 */
export function parseServiceError(response: OssHttpResponse): OssServiceError {
  let parsed =
    response.body.length > 0 ? parseErrorBody(response.body, response.headers['content-type']) : undefined;
  if (!parsed && response.headers['x-oss-err']) {
    parsed = parseErrorXml(Buffer.from(response.headers['x-oss-err'], 'base64').toString('utf8'));
  }
  const fields = parsed?.fields;
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
    accessDeniedDetail: parsed?.accessDeniedDetail,
    serverTime: serverTimeOf(fields, response.headers),
  });
}

/** Turns every non-2xx response into an `OssServiceError`. */
export const checkResponseMiddleware: Middleware = (next) => async (ctx) => checkStatus(await next(ctx));

function checkStatus(response: OssHttpResponse): OssHttpResponse {
  if (response.status < 200 || response.status >= 300) {
    throw parseServiceError(response);
  }
  return response;
}
