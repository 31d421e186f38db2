import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC } from '../auth/decorators/public.decorator.js';
import {
  type ActionRequirement,
  AUTHENTICATED,
  REQUIRES_ACTION,
} from '../auth/decorators/requires-action.decorator.js';
import { renderProblem } from '../common/errors/all-exceptions.filter.js';
import { DomainError, ErrorCode, type DomainErrorDetails } from '../common/errors/domain-error.js';
import { Problem } from '../common/errors/problem.dto.js';
import { BUCKET_NAME_MESSAGE } from '../common/validation/is-bucket-name.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObject = Record<string, unknown>;
type OperationObject = {
  operationId?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, unknown>;
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
};

export const PROBLEM_JSON = 'application/problem+json';
export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api-key';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const DESCRIPTION = [
  'One JSON REST API (this document) and one GraphQL API (`/graphql`) over Alibaba Cloud OSS data replication:',
  'replication rules, Replication Time Control, progress and replication locations, plus who-am-I,',
  'permission discovery, policy simulation and the audit trail.',
  '',
  'Every call is authenticated (`Authorization: Bearer <API key or JWT>` or `X-Api-Key: <API key>`) and',
  'authorized against the caller’s RAM-style policies before anything is forwarded to OSS. The resource of',
  'every replication action is the source bucket’s ARN, `acs:oss:{region}:{accountId}:{bucket}`.',
  '',
  'Errors are `application/problem+json` (RFC 9457) with a stable `code`; validation errors list each field,',
  'an authorization denial explains the decision, and an OSS error keeps OSS’s code, request id and EC.',
  '',
  'In embedded mode (`npm start` with no OSS credentials) the demo keys `demo-admin-key`, `demo-viewer-key`',
  'and `demo-rtc-operator-key` work against an in-process OSS emulator.',
].join('\n');

/** The package version, read from the nearest package.json above this file (src/, dist/ or dist-bench/src/). */
export function gatewayVersion(start: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'oss-replication-gateway' && pkg.version) {
        return pkg.version;
      }
    }
    if (dirname(dir) === dir) {
      return '0.0.0';
    }
  }
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });

/**
 * The named variants of `Problem` that error responses point at: which member each kind carries. The
 * `Problem` family itself is the DTO's (`common/errors/problem.dto.ts`), the one definition.
 */
export function problemVariantSchemas(): Record<string, SchemaObject> {
  return {
    ValidationProblem: {
      description: 'Invalid input or failed pre-flight checks (400): `errors` lists every problem at once.',
      allOf: [ref('Problem'), { type: 'object', required: ['errors'] }],
    },
    AuthorizationProblem: {
      description: 'The caller’s policies do not allow the action on the resource (403 FORBIDDEN).',
      allOf: [ref('Problem'), { type: 'object', required: ['authorization'] }],
    },
    OssProblem: {
      description:
        'Not found, conflict, or OSS failing (404, 409, 502 UPSTREAM_ERROR, 504 UPSTREAM_TIMEOUT); `oss` carries what OSS answered, when it answered.',
      allOf: [ref('Problem')],
    },
  };
}

interface ProblemResponse {
  description: string;
  schema: string;
  example: Json;
}

/** A problem as the gateway renders it (`renderProblem`), so no example can drift from the answers. */
function problemExample(
  code: ErrorCode,
  detail: string,
  details: DomainErrorDetails = {},
  requestId?: string,
): Json {
  return renderProblem(new DomainError(code, detail, details), requestId) as unknown as Json;
}

const EXAMPLE_OSS_REQUEST_ID = '5C3D9175B6FC201293AD****';

const STANDARD_PROBLEMS: Record<string, ProblemResponse> = {
  '400': {
    description: 'Invalid input, or pre-flight checks failed (`application/problem+json`).',
    schema: 'ValidationProblem',
    example: problemExample(
      ErrorCode.ValidationFailed,
      'The request is not valid.',
      { errors: [{ field: 'destination.location', message: 'location must look like oss-cn-beijing' }] },
      '2f0c6f7e-8f8a-4d4e-9a39-1f0d2b8e4c11',
    ),
  },
  '401': {
    description: 'No credentials, or credentials the gateway does not recognise.',
    schema: 'Problem',
    example: problemExample(ErrorCode.Unauthenticated, 'An API key or bearer token is required.'),
  },
  '403': {
    description: 'The caller’s policies do not allow this action on this resource.',
    schema: 'AuthorizationProblem',
    example: problemExample(
      ErrorCode.AccessDenied,
      'oss:PutBucketRtc on acs:oss:cn-hangzhou:*:demo-source is not allowed (ImplicitDeny).',
      {
        authorization: {
          decision: 'ImplicitDeny',
          action: 'oss:PutBucketRtc',
          resource: 'acs:oss:cn-hangzhou:*:demo-source',
          matchedStatements: [],
        },
      },
    ),
  },
  '404': {
    description: 'The bucket or rule does not exist.',
    schema: 'OssProblem',
    example: problemExample(ErrorCode.BucketNotFound, 'The specified bucket does not exist.', {
      oss: {
        code: 'NoSuchBucket',
        message: 'The specified bucket does not exist.',
        requestId: EXAMPLE_OSS_REQUEST_ID,
        ec: '0015-00000101',
      },
    }),
  },
  '409': {
    description: 'The change conflicts with the bucket’s current replication configuration.',
    schema: 'OssProblem',
    example: problemExample(ErrorCode.ReplicationConflict, 'A rule for this destination already exists.'),
  },
  '502': {
    description:
      'OSS failed or refused the gateway’s own credentials (`UPSTREAM_ERROR`, OSS details in `oss`).',
    schema: 'OssProblem',
    example: problemExample(ErrorCode.UpstreamError, 'OSS refused the gateway’s credentials.', {
      oss: {
        code: 'AccessDenied',
        message: 'You have no right to access this object.',
        requestId: EXAMPLE_OSS_REQUEST_ID,
        ec: '0003-00000001',
      },
    }),
  },
  '503': {
    description: 'The audit store is down: mutations are refused until it is back (`SERVICE_UNAVAILABLE`).',
    schema: 'Problem',
    example: problemExample(
      ErrorCode.AuditUnavailable,
      'The audit store is unavailable; the request was not forwarded.',
    ),
  },
  '504': {
    description: 'OSS did not answer in time (`UPSTREAM_TIMEOUT`).',
    schema: 'OssProblem',
    example: problemExample(ErrorCode.UpstreamTimeout, 'OSS did not answer within 15000 ms.'),
  },
};

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** `ReplicationController.listRules` → `replicationListRules` (used only where no operationId is declared). */
export function defaultOperationId(controllerKey: string, methodKey: string): string {
  const base = lowerFirst(controllerKey.replace(/Controller$/, ''));
  return `${base}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

const API_OPERATION_METADATA = 'swagger/apiOperation';

/** What a handler declares about its caller: `@Public()`, or the action it requires. */
export interface OperationFacts {
  isPublic: boolean;
  requirement?: ActionRequirement;
}

/** The declaration of every controller handler, by operationId. */
function operationFacts(app: INestApplication): Map<string, OperationFacts> {
  const found = new Map<string, OperationFacts>();
  const modules = app.get(ModulesContainer, { strict: false });
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type || typeof type !== 'function') {
        continue;
      }
      const classPublic = Reflect.getMetadata(IS_PUBLIC, type) === true;
      const classRequirement = Reflect.getMetadata(REQUIRES_ACTION, type) as ActionRequirement | undefined;
      const proto = type.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const method = proto[key];
        if (key !== 'constructor' && typeof method === 'function') {
          const declared = Reflect.getMetadata(API_OPERATION_METADATA, method) as
            { operationId?: string } | undefined;
          const requirement =
            (Reflect.getMetadata(REQUIRES_ACTION, method) as ActionRequirement | undefined) ??
            classRequirement;
          found.set(declared?.operationId ?? defaultOperationId(type.name, key), {
            isPublic: classPublic || Reflect.getMetadata(IS_PUBLIC, method) === true,
            ...(requirement ? { requirement } : {}),
          });
        }
      }
    }
  }
  return found;
}

/** The sentence every operation description ends with: who may call it (DESIGN §2). */
export function requirementSentence(facts: OperationFacts | undefined): string {
  const requirement = facts?.requirement;
  if (facts?.isPublic || !requirement) {
    return 'Public: no credentials needed.';
  }
  if (requirement.action === AUTHENTICATED) {
    return 'Open to any authenticated caller; no RAM action is checked.';
  }
  switch (requirement.resource.kind) {
    case 'bucket':
    case 'parentBucket':
      return `Requires \`${requirement.action}\` on the source bucket (\`acs:oss:{region}:{accountId}:{bucket}\`).`;
    case 'static':
      return `Requires \`${requirement.action}\` on \`${requirement.resource.resource}\`.`;
    case 'eachBucket':
      return `Requires \`${requirement.action}\` per row, on each rule's source bucket (\`acs:oss:{region}:{accountId}:{bucket}\`, region from the inventory): rows not allowed are left out, never shown as errors, so any authenticated caller gets an answer.`;
  }
}

/** The resource a denial of `requirement` names in the examples: the demo source bucket's ARN, or the fixed one. */
function exampleResource(requirement: ActionRequirement): string {
  return requirement.resource.kind === 'static'
    ? requirement.resource.resource
    : 'acs:oss:cn-hangzhou:*:demo-source';
}

function problemResponse(spec: ProblemResponse, example: Json | undefined): Record<string, unknown> {
  return {
    description: spec.description,
    content: {
      [PROBLEM_JSON]: {
        schema: { $ref: `#/components/schemas/${spec.schema}` },
        example: example ?? spec.example,
      },
    },
  };
}

/** Which standard problem responses an operation can answer with. */
function problemStatuses(
  path: string,
  method: string,
  op: OperationObject,
  facts: OperationFacts | undefined,
): string[] {
  if (facts?.isPublic) {
    return [];
  }
  const statuses = ['401'];
  if (
    facts?.requirement &&
    facts.requirement.action !== AUTHENTICATED &&
    facts.requirement.resource.kind !== 'eachBucket'
  ) {
    statuses.push('403');
  }
  const hasInput = (op.parameters ?? []).length > 0 || op.requestBody !== undefined;
  if (hasInput) {
    statuses.push('400');
  }
  if (path.includes('{bucket}')) {
    statuses.push('404', '502', '504');
    // Only writes conflict with the bucket's replication configuration.
    if (method !== 'get') {
      statuses.push('409');
    }
  }
  return statuses;
}

/**
 * The example of a problem response, as this route would answer it: a 400 names one of the route's
 * own inputs, a 403 the route's action, a 404 what the route looks up, a 409 a conflict of that write.
 */
function routeProblemExample(
  status: string,
  path: string,
  method: string,
  op: OperationObject,
  facts: OperationFacts | undefined,
): Json | undefined {
  const base = STANDARD_PROBLEMS[status]?.example;
  if (base === undefined || base === null || typeof base !== 'object' || Array.isArray(base)) {
    return base;
  }
  const requirement = facts?.requirement;
  switch (status) {
    case '400': {
      const [field, message] = validationExample(path, method, op);
      return { ...base, errors: [{ field, message }] };
    }
    case '403': {
      if (!requirement) {
        return base;
      }
      const resource = exampleResource(requirement);
      return {
        ...base,
        detail: `${requirement.action} on ${resource} is not allowed (ImplicitDeny).`,
        authorization: {
          decision: 'ImplicitDeny',
          action: requirement.action,
          resource,
          matchedStatements: [],
        },
      };
    }
    case '404':
      if (path.includes('{ruleId}')) {
        return problemExample(
          ErrorCode.ReplicationRuleNotFound,
          'Bucket "demo-source" has no replication rule "logs-to-beijing".',
        );
      }
      if (!path.includes('{bucket}') && op.requestBody !== undefined) {
        return problemExample(ErrorCode.PrincipalNotFound, 'No principal "billing-service" is configured.');
      }
      return base;
    case '409':
      if (method === 'post') {
        return {
          ...base,
          detail: 'Pre-flight checks for bucket "demo-source" found 1 problem; nothing was sent to OSS.',
          errors: [
            {
              field: 'destination.bucket',
              code: 'DuplicateDestination',
              message:
                'Rule "demo-logs-and-images-to-beijing" already replicates "demo-source" to "demo-replica".',
            },
          ],
        };
      }
      if (method === 'put') {
        return {
          ...base,
          detail: 'Pre-flight checks for bucket "demo-source" found 1 problem; nothing was sent to OSS.',
          errors: [
            {
              field: 'ruleId',
              code: 'RuleClosing',
              message:
                'Rule "logs-to-beijing" is being deleted (closing); its replication time control cannot change.',
            },
          ],
        };
      }
      return {
        ...base,
        detail: 'The replication rule is already being deleted.',
        oss: {
          code: 'BucketReplicationInClosingStatus',
          message: 'The replication rule is in closing status.',
          requestId: EXAMPLE_OSS_REQUEST_ID,
          ec: '0016-00000802',
        },
      };
    default:
      return base;
  }
}

/** `[field, message]` of a validation error this route can answer. */
function validationExample(path: string, method: string, op: OperationObject): [string, string] {
  if (path.endsWith('/rtc')) {
    return ['enabled', 'enabled must be true or false'];
  }
  if (method === 'post' && path.includes('{bucket}')) {
    return ['destination.location', 'destination.location must be an OSS location such as oss-cn-beijing'];
  }
  if (op.requestBody !== undefined) {
    return ['policies[0].Statement[0].Effect', 'Effect must be "Allow" or "Deny"'];
  }
  const params = (op.parameters ?? []) as Array<{ in?: string; name?: string }>;
  if (params.some((p) => p.name === 'bucket')) {
    return ['bucket', `bucket ${BUCKET_NAME_MESSAGE}`];
  }
  const first = params.find((p) => p.name === 'first');
  if (first) {
    return ['first', 'first must not be greater than 500'];
  }
  const name = params[0]?.name ?? 'body';
  return [name, `${name} is not valid`];
}

/** Returns a deep copy of `value` with every object's keys in lexicographic order. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((v: unknown) => sortKeysDeep(v)) as T;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeysDeep(v)])) as T;
  }
  return value;
}

/** The document as written to `openapi.json` and served at `/docs/openapi.json`: sorted keys, 2-space indent. */
export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeysDeep(document), null, 2)}\n`;
}

/**
 * Builds the OpenAPI 3 document from the application's controllers (their `@nestjs/swagger`
 * decorators), adds the gateway's security schemes (applied globally; `@Public()` routes opt out),
 * problem+json error schemas and the standard error responses of each operation. Deterministic:
 * the same application gives the same document, key for key.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OSS Replication Gateway')
    .setDescription(DESCRIPTION)
    .setVersion(gatewayVersion())
    .addServer('/', 'The gateway serving this document')
    .addServer('http://127.0.0.1:3000', 'Local gateway (`npm start`, embedded mode)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API key secret or a JWT from the configured identity provider: `Authorization: Bearer <token>`.',
      },
      BEARER_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Api-Key',
        description: 'An API key secret: `X-Api-Key: <key>`.',
      },
      API_KEY_SCHEME,
    )
    .addSecurityRequirements(BEARER_SCHEME)
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();

  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: defaultOperationId,
    extraModels: [Problem],
  });
  const facts = operationFacts(app);
  const globalSecurity = document.security ?? [];

  const schemas = (document.components ??= {}).schemas ?? {};
  document.components.schemas = { ...schemas, ...problemVariantSchemas() };
  nameInlineEnums(document.components.schemas as Record<string, SchemaObject>);

  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, OperationObject | undefined>)[method];
      if (!op) {
        continue;
      }
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.operationId) {
        throw new Error(`OpenAPI: ${where} has no operationId`);
      }
      const clash = seen.get(op.operationId);
      if (clash) {
        throw new Error(`OpenAPI: operationId ${op.operationId} is used by both ${clash} and ${where}`);
      }
      seen.set(op.operationId, where);
      const declared = facts.get(op.operationId);
      if (declared?.isPublic) {
        op.security = [];
      }
      const sentence = requirementSentence(declared);
      op.description = op.description ? `${op.description}\n\n${sentence}` : sentence;
      const responses = (op.responses ??= {});
      for (const status of problemStatuses(path, method, op, declared)) {
        const spec = STANDARD_PROBLEMS[status];
        if (spec && responses[status] === undefined) {
          responses[status] = problemResponse(spec, routeProblemExample(status, path, method, op, declared));
        }
      }
      for (const [status, response] of declared?.isPublic ? [] : Object.entries(responses)) {
        const spec = STANDARD_PROBLEMS[status];
        if (spec) {
          const example = routeProblemExample(status, path, method, op, declared);
          responses[status] = refineProblemResponse(response, spec, example);
        }
      }
      if (op.security && sameRequirements(op.security, globalSecurity)) {
        delete op.security;
      }
    }
  }
  return sortKeysDeep(document);
}

/**
 * A copy of a problem response (decorators on a controller class share one object between its
 * routes) pointing at the variant for its status, with the example this route would answer.
 */
function refineProblemResponse(response: unknown, spec: ProblemResponse, example: Json | undefined): unknown {
  const declared = response as {
    content?: Record<string, { schema?: SchemaObject; example?: unknown }>;
  };
  // A problem response declared with a description only still answers problem+json.
  const media =
    declared.content?.[PROBLEM_JSON] ?? (declared.content ? undefined : { schema: ref('Problem') });
  if (!media) {
    return response;
  }
  const schema = media.schema?.$ref === '#/components/schemas/Problem' ? ref(spec.schema) : media.schema;
  return {
    ...declared,
    content: {
      ...declared.content,
      [PROBLEM_JSON]: { ...media, schema, example: media.example ?? example ?? spec.example },
    },
  };
}

function requirementKey(req: Record<string, string[]>): string {
  return JSON.stringify(Object.entries(req).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function sameRequirements(a: Array<Record<string, string[]>>, b: Array<Record<string, string[]>>): boolean {
  const left = new Set(a.map(requirementKey));
  const right = new Set(b.map(requirementKey));
  return left.size === right.size && [...left].every((k) => right.has(k));
}

/**
 * Replaces an inline `{ type, enum }` (anywhere below a named schema) whose values are exactly those
 * of a named enum schema with a `$ref` to it, so clients generate one type per enum.
 */
export function nameInlineEnums(schemas: Record<string, SchemaObject>): void {
  const named = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    if (Array.isArray(schema.enum)) {
      named.set(JSON.stringify([...(schema.enum as unknown[])].map(String).sort()), name);
    }
  }
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(visit);
    }
    if (node === null || typeof node !== 'object') {
      return node;
    }
    const obj = node as SchemaObject;
    if (Array.isArray(obj.enum) && Object.keys(obj).every((k) => k === 'enum' || k === 'type')) {
      const name = named.get(JSON.stringify([...(obj.enum as unknown[])].map(String).sort()));
      if (name) {
        return ref(name);
      }
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k !== 'enum' && k !== 'example' && k !== 'examples' && k !== 'default') {
        obj[k] = visit(v);
      }
    }
    return obj;
  };
  for (const schema of Object.values(schemas)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k !== 'enum' && k !== 'example' && k !== 'examples' && k !== 'default') {
        schema[k] = visit(v);
      }
    }
  }
}
