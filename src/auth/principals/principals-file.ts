import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { parseDocument } from 'yaml';
import {
  BUILTIN_POLICIES,
  compilePolicies,
  isBuiltinPolicyName,
  parsePolicyDocument,
  type PolicyDocument,
} from '../ram/index.js';
import { algorithmsForKey, JWT_ALGORITHMS, MIN_RSA_KEY_BITS } from './jwt-algorithms.js';
import {
  parseRateSpec,
  RATE_SPEC_GRAMMAR,
  type RateLimitOverrides,
} from '../../request/rate-limit/rate-limit-config.js';
import {
  type ApiKeyEntry,
  dedupe,
  type GroupEntry,
  type JwtSettings,
  type NamedPolicy,
  PRINCIPAL_TYPES,
  type PrincipalEntry,
  PrincipalsSnapshot,
  type PrincipalType,
} from './principal.js';

/** One problem in the principals file, with its path inside the file (`policies.X.Statement[0].Effect`). */
export interface PrincipalsFileProblem {
  path: string;
  message: string;
}

export type PrincipalsFileResult =
  | {
      ok: true;
      snapshot: PrincipalsSnapshot;
      /** Keys given with a plain `secret` (development only; the caller logs a warning). */
      plainSecretKeys: string[];
    }
  | { ok: false; problems: PrincipalsFileProblem[] };

export class PrincipalsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: PrincipalsFileProblem[],
  ) {
    super(
      `Invalid principals file ${file}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'PrincipalsFileError';
  }
}

const TOP_LEVEL = new Set(['policies', 'groups', 'principals', 'jwt']);
const GROUP_KEYS = new Set(['policies', 'description']);
const PRINCIPAL_KEYS = new Set([
  'id',
  'type',
  'groups',
  'policies',
  'apiKeys',
  'rateLimits',
  'jwtSubjects',
  'description',
]);
/** Classes a principal may set its own limit for (`anonymous` is per source IP, never per principal). */
const PRINCIPAL_RATE_LIMIT_CLASSES = new Set(['read', 'write', 'simulate']);
const API_KEY_KEYS = new Set(['id', 'sha256', 'secret']);
const JWT_KEYS = new Set([
  'issuer',
  'audience',
  'jwksUrl',
  'publicKey',
  'algorithms',
  'principalClaim',
  'groupsClaim',
  'clockToleranceSeconds',
  'maxLifetime',
]);
const POLICY_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const GROUP_NAME = /^[A-Za-z0-9._:@-]{1,128}$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
export const MIN_PLAIN_SECRET_LENGTH = 8;
/** Principal ids and JWT subjects: 1-256 characters (DESIGN §9). */
export const MAX_SUBJECT_LENGTH = 256;
export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 24 * 3600;
const MAX_JWT_MAX_LIFETIME_SECONDS = 30 * 24 * 3600;
const DURATION = /^(\d{1,9})\s*(s|m|h|d)?$/;
const DURATION_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
const MAX_FILE_CHARS = 4 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function key(path: string, name: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  return path === '' ? (segment.startsWith('.') ? name : segment) : `${path}${segment}`;
}

/** Joins a file path and a path the RAM engine reported inside a document (`$` is the document root). */
function within(path: string, inner: string): string {
  if (inner === '$' || inner === '') {
    return path;
  }
  return inner.startsWith('[') ? `${path}${inner}` : `${path}.${inner}`;
}

class Problems {
  readonly list: PrincipalsFileProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path: path === '' ? '$' : path, message });
  }
  unknownKeys(value: Record<string, unknown>, allowed: Set<string>, path: string): void {
    for (const name of Object.keys(value)) {
      if (!allowed.has(name)) {
        this.add(key(path, name), `is not a known element here (allowed: ${[...allowed].join(', ')})`);
      }
    }
  }
}

/** Principal ids and JWT subjects: 1-256 characters, no control characters or surrounding whitespace. */
export function isSubjectLike(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value.length <= MAX_SUBJECT_LENGTH &&
    !CONTROL.test(value) &&
    value.trim() === value
  );
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Parses the text as JSON (`.json`) or YAML (anything else; YAML is a superset of JSON). */
function parseText(text: string, fileName: string, problems: Problems): unknown {
  if (text.length > MAX_FILE_CHARS) {
    problems.add('$', `the file is larger than ${MAX_FILE_CHARS} characters`);
    return undefined;
  }
  if (fileName.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      problems.add('$', `is not valid JSON: ${(error as Error).message}`);
      return undefined;
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      problems.add('$', `is not valid YAML: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function validateDocument(value: unknown, path: string, problems: Problems): PolicyDocument | undefined {
  const parsed = parsePolicyDocument(value);
  if (!parsed.ok) {
    for (const p of parsed.problems) {
      problems.add(within(path, p.path), p.message);
    }
    return undefined;
  }
  return parsed.document;
}

function stringArray(value: unknown, path: string, problems: Problems): string[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add(path, `must be a list, got ${describeType(value)}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') {
      problems.add(`${path}[${i}]`, 'must be a non-empty string');
    } else {
      out.push(item);
    }
  });
  return out;
}

/** Resolves `policies: [Name | {inline document}]` against the named and built-in policies. */
function policyRefs(
  value: unknown,
  path: string,
  named: ReadonlyMap<string, PolicyDocument>,
  inlinePrefix: string,
  problems: Problems,
): NamedPolicy[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    problems.add(
      path,
      `must be a list of policy names or inline policy documents, got ${describeType(value)}`,
    );
    return [];
  }
  const out: NamedPolicy[] = [];
  value.forEach((item: unknown, i) => {
    const itemPath = `${path}[${i}]`;
    if (typeof item === 'string') {
      const document = named.get(item) ?? (isBuiltinPolicyName(item) ? BUILTIN_POLICIES[item] : undefined);
      if (document) {
        out.push({ name: item, document });
      } else {
        problems.add(
          itemPath,
          `unknown policy "${item}" (define it under policies, or use a built-in policy)`,
        );
      }
    } else if (isRecord(item)) {
      const document = validateDocument(item, itemPath, problems);
      if (document) {
        out.push({ name: `${inlinePrefix}#${i}`, document });
      }
    } else {
      problems.add(itemPath, `must be a policy name or an inline policy document, got ${describeType(item)}`);
    }
  });
  return out;
}

function parsePolicies(value: unknown, problems: Problems): Map<string, PolicyDocument> {
  const named = new Map<string, PolicyDocument>();
  if (value === undefined) {
    return named;
  }
  if (!isRecord(value)) {
    problems.add(
      'policies',
      `must be a mapping of policy name to policy document, got ${describeType(value)}`,
    );
    return named;
  }
  for (const [name, doc] of Object.entries(value)) {
    const path = key('policies', name);
    if (!POLICY_NAME.test(name)) {
      problems.add(path, 'policy names are 1-128 letters, digits, ".", "_" or "-"');
      continue;
    }
    if (isBuiltinPolicyName(name)) {
      problems.add(path, `"${name}" is a built-in policy and cannot be redefined`);
      continue;
    }
    const document = validateDocument(doc, path, problems);
    if (document) {
      named.set(name, document);
    }
  }
  return named;
}

function parseGroups(
  value: unknown,
  named: ReadonlyMap<string, PolicyDocument>,
  problems: Problems,
): Map<string, GroupEntry> {
  const groups = new Map<string, GroupEntry>();
  if (value === undefined) {
    return groups;
  }
  if (!isRecord(value)) {
    problems.add(
      'groups',
      `must be a mapping of group name to { policies: [...] }, got ${describeType(value)}`,
    );
    return groups;
  }
  for (const [name, group] of Object.entries(value)) {
    const path = key('groups', name);
    if (!GROUP_NAME.test(name)) {
      problems.add(path, 'group names are 1-128 letters, digits, ".", "_", ":", "@" or "-"');
      continue;
    }
    if (!isRecord(group)) {
      problems.add(path, `must be a mapping with a policies list, got ${describeType(group)}`);
      continue;
    }
    problems.unknownKeys(group, GROUP_KEYS, path);
    if (group.description !== undefined && typeof group.description !== 'string') {
      problems.add(`${path}.description`, 'must be a string');
    }
    const policies = policyRefs(group.policies, `${path}.policies`, named, `group:${name}`, problems);
    groups.set(name, { name, policies: dedupe(policies) });
  }
  return groups;
}

/** `rateLimits: {read: "500/s", write: "20/s:burst=40"}` (DESIGN.md §9). */
function parseRateLimitOverrides(
  value: unknown,
  path: string,
  problems: Problems,
): RateLimitOverrides | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value)) {
    problems.add(path, `must be a mapping of class to ${RATE_SPEC_GRAMMAR}, got ${describeType(value)}`);
    return undefined;
  }
  problems.unknownKeys(value, PRINCIPAL_RATE_LIMIT_CLASSES, path);
  const overrides: { -readonly [C in keyof RateLimitOverrides]: RateLimitOverrides[C] } = {};
  for (const [cls, text] of Object.entries(value)) {
    if (!PRINCIPAL_RATE_LIMIT_CLASSES.has(cls)) {
      continue;
    }
    const spec = typeof text === 'string' ? parseRateSpec(text) : undefined;
    if (spec?.ok) {
      overrides[cls as keyof RateLimitOverrides] = spec.value;
    } else {
      problems.add(key(path, cls), spec ? spec.problem : `must be a string: ${RATE_SPEC_GRAMMAR}`);
    }
  }
  return Object.freeze(overrides);
}

interface ParsedKeys {
  apiKeys: Map<string, ApiKeyEntry>;
  plainSecretKeys: string[];
}

function parseApiKeys(
  value: unknown,
  path: string,
  principalId: string,
  seenKeyIds: Map<string, string>,
  out: ParsedKeys,
  problems: Problems,
): void {
  if (value === undefined) {
    return;
  }
  if (!Array.isArray(value)) {
    problems.add(path, `must be a list of { id, sha256 } or { id, secret }, got ${describeType(value)}`);
    return;
  }
  value.forEach((item: unknown, i) => {
    const itemPath = `${path}[${i}]`;
    if (!isRecord(item)) {
      problems.add(itemPath, `must be { id, sha256 } or { id, secret }, got ${describeType(item)}`);
      return;
    }
    problems.unknownKeys(item, API_KEY_KEYS, itemPath);
    const id = item.id;
    if (typeof id !== 'string' || !KEY_ID.test(id)) {
      problems.add(`${itemPath}.id`, 'is required: 1-64 letters, digits, ".", "_" or "-"');
      return;
    }
    const previous = seenKeyIds.get(id);
    if (previous !== undefined) {
      problems.add(`${itemPath}.id`, `key id "${id}" is already used at ${previous}`);
      return;
    }
    seenKeyIds.set(id, `${itemPath}.id`);
    const hasSha = item.sha256 !== undefined;
    const hasSecret = item.secret !== undefined;
    if (hasSha === hasSecret) {
      problems.add(
        itemPath,
        'needs exactly one of sha256 (hex digest of the secret) or secret (development only)',
      );
      return;
    }
    let digest: Buffer;
    if (hasSha) {
      if (typeof item.sha256 !== 'string' || !SHA256_HEX.test(item.sha256)) {
        problems.add(`${itemPath}.sha256`, 'must be the 64 hex digits of the sha256 of the secret');
        return;
      }
      digest = Buffer.from(item.sha256, 'hex');
    } else {
      // Never put the secret itself into a problem message.
      if (typeof item.secret !== 'string' || item.secret.length < MIN_PLAIN_SECRET_LENGTH) {
        problems.add(
          `${itemPath}.secret`,
          `must be a string of at least ${MIN_PLAIN_SECRET_LENGTH} characters`,
        );
        return;
      }
      if (CONTROL.test(item.secret) || item.secret.trim() !== item.secret) {
        problems.add(`${itemPath}.secret`, 'must not contain control characters or surrounding whitespace');
        return;
      }
      digest = createHash('sha256').update(item.secret, 'utf8').digest();
      out.plainSecretKeys.push(id);
    }
    const hex = digest.toString('hex');
    const clash = out.apiKeys.get(hex);
    if (clash) {
      problems.add(itemPath, `has the same secret as key "${clash.keyId}"; every key needs its own secret`);
      return;
    }
    out.apiKeys.set(hex, { keyId: id, principalId, digest, plainSecret: hasSecret });
  });
}

/** A JWT subject mapped to a principal, with where the file says so (for problem messages). */
interface SubjectMapping {
  principalId: string;
  path: string;
}

/** `jwtSubjects: [...]`: the JWT subjects that act as this principal, each unique across the file. */
function parseJwtSubjects(
  value: unknown,
  path: string,
  principalId: string,
  subjects: Map<string, SubjectMapping>,
  problems: Problems,
): void {
  if (!Array.isArray(value)) {
    problems.add(path, `must be a list of JWT subjects, got ${describeType(value)}`);
    return;
  }
  value.forEach((subject: unknown, i) => {
    const itemPath = `${path}[${i}]`;
    if (!isSubjectLike(subject)) {
      problems.add(
        itemPath,
        `must be a JWT subject: 1-${MAX_SUBJECT_LENGTH} characters, no control characters or surrounding whitespace`,
      );
      return;
    }
    const previous = subjects.get(subject);
    if (previous) {
      problems.add(itemPath, `JWT subject "${subject}" is already mapped at ${previous.path}`);
      return;
    }
    subjects.set(subject, { principalId, path: itemPath });
  });
}

/**
 * Which listed principal a JWT subject acts as (DESIGN §9): the subjects of every `jwtSubjects`, and
 * each `user` principal without `jwtSubjects` under its own id. A `service` or `role` principal is
 * never reached by a token unless it names the subject; an explicit mapping that takes a user's id
 * would make that id ambiguous and is a problem.
 */
function jwtSubjectMap(
  explicit: ReadonlyMap<string, SubjectMapping>,
  usersById: ReadonlyMap<string, string>,
  problems: Problems,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const [subject, { principalId }] of explicit) {
    map.set(subject, principalId);
  }
  for (const [id, path] of usersById) {
    const clash = explicit.get(id);
    if (clash) {
      problems.add(
        clash.path,
        `JWT subject "${id}" is the id of the user principal at ${path}, which tokens with that subject act as; give ${path} its own jwtSubjects (an empty list maps none)`,
      );
    } else {
      map.set(id, id);
    }
  }
  return map;
}

function parsePrincipals(
  value: unknown,
  named: ReadonlyMap<string, PolicyDocument>,
  groups: ReadonlyMap<string, GroupEntry>,
  keys: ParsedKeys,
  jwtSubjects: Map<string, string>,
  problems: Problems,
): Map<string, PrincipalEntry> {
  const principals = new Map<string, PrincipalEntry>();
  if (value === undefined) {
    return principals;
  }
  if (!Array.isArray(value)) {
    problems.add('principals', `must be a list of principals, got ${describeType(value)}`);
    return principals;
  }
  const seenIds = new Map<string, string>();
  const seenKeyIds = new Map<string, string>();
  const explicitSubjects = new Map<string, SubjectMapping>();
  /** User principals without `jwtSubjects`, whose own id is their JWT subject: id → path. */
  const usersById = new Map<string, string>();
  value.forEach((item: unknown, i) => {
    const path = `principals[${i}]`;
    if (!isRecord(item)) {
      problems.add(path, `must be a mapping, got ${describeType(item)}`);
      return;
    }
    problems.unknownKeys(item, PRINCIPAL_KEYS, path);
    const id = item.id;
    if (!isSubjectLike(id)) {
      problems.add(
        `${path}.id`,
        `is required: 1-${MAX_SUBJECT_LENGTH} characters, no control characters or surrounding whitespace`,
      );
      return;
    }
    const previous = seenIds.get(id);
    if (previous !== undefined) {
      problems.add(`${path}.id`, `principal "${id}" is already defined at ${previous}`);
      return;
    }
    seenIds.set(id, path);
    const type = item.type;
    if (typeof type !== 'string' || !PRINCIPAL_TYPES.includes(type as PrincipalType)) {
      problems.add(`${path}.type`, `is required: one of ${PRINCIPAL_TYPES.join(', ')}`);
    }
    if (item.description !== undefined && typeof item.description !== 'string') {
      problems.add(`${path}.description`, 'must be a string');
    }
    const groupNames = stringArray(item.groups, `${path}.groups`, problems);
    groupNames.forEach((g, gi) => {
      if (!groups.has(g)) {
        problems.add(`${path}.groups[${gi}]`, `unknown group "${g}"`);
      }
    });
    const direct = policyRefs(item.policies, `${path}.policies`, named, id, problems);
    parseApiKeys(item.apiKeys, `${path}.apiKeys`, id, seenKeyIds, keys, problems);
    const rateLimits = parseRateLimitOverrides(item.rateLimits, `${path}.rateLimits`, problems);
    if (item.jwtSubjects !== undefined) {
      parseJwtSubjects(item.jwtSubjects, `${path}.jwtSubjects`, id, explicitSubjects, problems);
    } else if (type === 'user') {
      usersById.set(id, path);
    }
    const memberOf = [...new Set(groupNames)].filter((g) => groups.has(g));
    const policies = dedupe([...direct, ...memberOf.flatMap((g) => groups.get(g)!.policies)]);
    principals.set(id, {
      id,
      type: type as PrincipalType,
      groups: memberOf,
      policies,
      ...(rateLimits ? { rateLimits } : {}),
      // Compiled after validation succeeded (below); a placeholder keeps the shape.
      policySet: undefined as never,
    });
  });
  for (const [subject, principalId] of jwtSubjectMap(explicitSubjects, usersById, problems)) {
    jwtSubjects.set(subject, principalId);
  }
  return principals;
}

/** `jwt.publicKey`: a PEM public key of a type the gateway verifies with (RSA of 2048+ bits, EC, Ed25519). */
function parsePublicKey(value: unknown, path: string, problems: Problems): KeyObject | undefined {
  let key: KeyObject | undefined;
  if (typeof value === 'string') {
    try {
      key = createPublicKey(value);
    } catch {
      key = undefined;
    }
  }
  if (key?.type !== 'public') {
    problems.add(path, 'must be a PEM-encoded public key (-----BEGIN PUBLIC KEY-----)');
    return undefined;
  }
  if (algorithmsForKey(key).length === 0) {
    problems.add(path, 'must be an RSA, EC (P-256, P-384, P-521) or Ed25519 public key');
    return undefined;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_KEY_BITS) {
    problems.add(path, `must be an RSA key of at least ${MIN_RSA_KEY_BITS} bits (this one has ${bits})`);
    return undefined;
  }
  return key;
}

/** `jwt.algorithms`: an allow-list of asymmetric JWS algorithms (never HMAC, never "none"). */
function parseAlgorithms(value: unknown, path: string, problems: Problems): string[] {
  const out: string[] = [];
  for (const alg of stringArray(value, path, problems)) {
    if (alg.toLowerCase() === 'none') {
      problems.add(path, 'must not include "none"');
    } else if (/^HS\d+$/i.test(alg)) {
      problems.add(
        path,
        `must not include "${alg}": tokens are verified with public keys, never HMAC secrets`,
      );
    } else if (!JWT_ALGORITHMS.includes(alg)) {
      problems.add(path, `unknown algorithm "${alg}" (one of ${JWT_ALGORITHMS.join(', ')})`);
    } else {
      out.push(alg);
    }
  }
  if (Array.isArray(value) && value.length === 0) {
    problems.add(path, 'must name at least one algorithm');
  }
  return out;
}

/** Seconds from `3600` or a string with a unit: `"90s"`, `"90m"`, `"24h"`, `"7d"`; undefined if neither. */
function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? value : undefined;
  }
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  return match ? Number(match[1]) * DURATION_UNIT_SECONDS[match[2] ?? 's'] : undefined;
}

function parseJwt(value: unknown, problems: Problems): JwtSettings | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const path = 'jwt';
  if (!isRecord(value)) {
    problems.add(path, `must be a mapping, got ${describeType(value)}`);
    return undefined;
  }
  problems.unknownKeys(value, JWT_KEYS, path);
  const before = problems.list.length;
  const { issuer, audience, jwksUrl, publicKey, algorithms, principalClaim, groupsClaim } = value;
  if (typeof issuer !== 'string' || issuer === '') {
    problems.add(`${path}.issuer`, 'is required: the expected `iss` of tokens');
  }
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    !audiences.every((a) => typeof a === 'string' && a !== '')
  ) {
    problems.add(`${path}.audience`, 'is required: the expected `aud` (a string or a list of strings)');
  }
  if ((jwksUrl === undefined) === (publicKey === undefined)) {
    problems.add(path, 'needs exactly one of jwksUrl or publicKey');
  }
  if (jwksUrl !== undefined) {
    let ok = false;
    if (typeof jwksUrl === 'string') {
      try {
        ok = ['https:', 'http:'].includes(new URL(jwksUrl).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      problems.add(`${path}.jwksUrl`, 'must be an http(s) URL');
    }
  }
  const key = publicKey === undefined ? undefined : parsePublicKey(publicKey, `${path}.publicKey`, problems);
  const configured =
    algorithms === undefined ? undefined : parseAlgorithms(algorithms, `${path}.algorithms`, problems);
  let allowed = configured ?? JWT_ALGORITHMS;
  if (key) {
    const verifiable = algorithmsForKey(key);
    allowed = allowed.filter((a) => verifiable.includes(a));
    if (configured && configured.length > 0 && allowed.length === 0) {
      problems.add(
        `${path}.algorithms`,
        `none of them verifies with the publicKey, which verifies ${verifiable.join(', ')}`,
      );
    }
  }
  if (principalClaim !== undefined && (typeof principalClaim !== 'string' || principalClaim === '')) {
    problems.add(`${path}.principalClaim`, 'must be a claim name');
  }
  if (groupsClaim !== undefined && (typeof groupsClaim !== 'string' || groupsClaim === '')) {
    problems.add(`${path}.groupsClaim`, 'must be a claim name');
  }
  const tolerance = value.clockToleranceSeconds ?? 30;
  if (typeof tolerance !== 'number' || !Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) {
    problems.add(`${path}.clockToleranceSeconds`, 'must be an integer between 0 and 300');
  }
  const maxLifetime =
    value.maxLifetime === undefined ? DEFAULT_JWT_MAX_LIFETIME_SECONDS : durationSeconds(value.maxLifetime);
  if (maxLifetime === undefined || maxLifetime < 1 || maxLifetime > MAX_JWT_MAX_LIFETIME_SECONDS) {
    problems.add(
      `${path}.maxLifetime`,
      'must be a duration of at most 30 days: seconds (3600) or a number with a unit ("90m", "24h", "7d")',
    );
  }
  if (problems.list.length > before) {
    return undefined;
  }
  return {
    issuer: issuer as string,
    audience: audiences as string[],
    ...(jwksUrl !== undefined ? { jwksUrl: jwksUrl as string } : {}),
    ...(publicKey !== undefined ? { publicKey: publicKey as string } : {}),
    algorithms: allowed,
    principalClaim: (principalClaim as string | undefined) ?? 'sub',
    ...(groupsClaim !== undefined ? { groupsClaim: groupsClaim as string } : {}),
    clockToleranceSeconds: tolerance as number,
    maxLifetimeSeconds: maxLifetime!,
  };
}

/**
 * Parses and validates a principals file (DESIGN.md §4). Every problem is reported with its path
 * inside the file; on success every principal's policy set is compiled into an immutable snapshot.
 * Pure apart from the `now` it stamps.
 */
export function parsePrincipalsFile(text: string, fileName: string, now = new Date()): PrincipalsFileResult {
  const problems = new Problems();
  const root = parseText(text, fileName, problems);
  if (problems.list.length > 0) {
    return { ok: false, problems: problems.list };
  }
  if (root === null || root === undefined) {
    return { ok: true, snapshot: emptyWithFingerprint(text, now), plainSecretKeys: [] };
  }
  if (!isRecord(root)) {
    return {
      ok: false,
      problems: [{ path: '$', message: `must be a mapping with policies, groups, principals, jwt` }],
    };
  }
  problems.unknownKeys(root, TOP_LEVEL, '');
  const named = parsePolicies(root.policies, problems);
  const groups = parseGroups(root.groups, named, problems);
  const keys: ParsedKeys = { apiKeys: new Map(), plainSecretKeys: [] };
  const jwtSubjects = new Map<string, string>();
  const principals = parsePrincipals(root.principals, named, groups, keys, jwtSubjects, problems);
  const jwt = parseJwt(root.jwt, problems);
  if (problems.list.length > 0) {
    return { ok: false, problems: problems.list };
  }
  const compiled = new Map<string, PrincipalEntry>();
  for (const [id, entry] of principals) {
    compiled.set(id, Object.freeze({ ...entry, policySet: compilePolicies(entry.policies) }));
  }
  return {
    ok: true,
    snapshot: new PrincipalsSnapshot(
      compiled,
      keys.apiKeys,
      groups,
      jwt,
      fingerprintOf(text),
      now,
      jwtSubjects,
    ),
    plainSecretKeys: keys.plainSecretKeys,
  };
}

export function fingerprintOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);
}

function emptyWithFingerprint(text: string, now: Date): PrincipalsSnapshot {
  return new PrincipalsSnapshot(new Map(), new Map(), new Map(), undefined, fingerprintOf(text), now);
}
