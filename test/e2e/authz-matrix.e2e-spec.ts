/*
 * The authorization matrix: every REST route and GraphQL resolver of the permission snapshot
 * (`__snapshots__/permissions.snap.json`), each run against the whole application (auth, guard,
 * validation, OSS client, audit) and the OSS emulator over real HTTP, as
 * - a caller allowed everything, and a caller allowed ONLY the row's action (so each handler is shown
 *   to check its own action, not a broader one);
 * - callers allowed only OTHER actions, and a caller without policies: ImplicitDeny (403 / FORBIDDEN)
 *   naming the action and the bucket ARN with the bucket's real region;
 * - a caller allowed everything but that action explicitly denied: ExplicitDeny naming the statement;
 * - no credentials: 401 with WWW-Authenticate (REST) or UNAUTHENTICATED (GraphQL).
 * A denied or unauthenticated request never reaches OSS beyond the bucket-location lookup.
 * A new endpoint without a row here fails the meta-test at the bottom.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEndpointPermissions } from '../../src/auth/permission-surface.js';
import { InMemoryInventory } from '../../src/fleet/inventory/inventory.js';
import { RequestPipelineGuard } from '../../src/request/nest/request-pipeline.guard.js';
import { startEmulator, type Emulator } from '../../src/emulator/emulator-server.js';
import {
  allow,
  deny,
  policy,
  principalWithKey,
  writePrincipalsFile,
  type PrincipalFixture,
  type PrincipalsFile,
} from '../fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../utils/create-test-app.js';

const ACCOUNT_ID = '1234567890123456';
/** The gateway's own region differs from the buckets' so the ARN must carry the bucket's real region. */
const GATEWAY_REGION = 'cn-hangzhou';
const SOURCE_REGION = 'cn-beijing';
const DESTINATION_REGION = 'cn-shanghai';
const SOURCE = 'authz-matrix-src';
const SOURCE_ARN = `acs:oss:${SOURCE_REGION}:${ACCOUNT_ID}:${SOURCE}`;
const FIXTURE_RULE = 'matrix-fixture';
const FIXTURE_DESTINATION = 'authz-matrix-dst-0';

const SNAPSHOT_FILE = new URL('./__snapshots__/permissions.snap.json', import.meta.url);

const ACTIONS = [
  'oss:GetBucketReplication',
  'oss:PutBucketReplication',
  'oss:PutBucketRtc',
  'oss:DeleteBucketReplication',
  'oss:GetBucketReplicationProgress',
  'oss:GetBucketReplicationLocation',
  'gateway:SimulatePolicy',
  'gateway:ListAuditEvents',
] as const;
type Action = (typeof ACTIONS)[number];

/** Where the action is evaluated: the source bucket's ARN, or `*` for gateway actions. */
type ResourceKind = 'bucket' | '*';
const resourceOf = (kind: ResourceKind): string => (kind === 'bucket' ? SOURCE_ARN : '*');
/**
 * The resource of a denial to a caller none of whose statements could allow the action: its bucket is
 * not looked up (DESIGN §9), so the ARN has region `*`.
 */
const unresolvedResourceOf = (kind: ResourceKind): string =>
  kind === 'bucket' ? `acs:oss:*:${ACCOUNT_ID}:${SOURCE}` : '*';
/** Callers no statement of whose policies allows anything: `me.permissions` does not look their bucket up. */
const NOTHING_ALLOWED = new Set(['no-policies', 'deny-everything']);
const permissionsResourceFor = (caller: { id: string }): string =>
  NOTHING_ALLOWED.has(caller.id) ? unresolvedResourceOf('bucket') : SOURCE_ARN;
const actionName = (action: Action): string => action.split(':')[1];
/** The fleet rows a caller sees: the fixture rule (in the inventory) to a caller allowed to read it. */
const fleetRowsFor = (caller: { id: string }): string[] =>
  NOTHING_ALLOWED.has(caller.id) ? [] : [FIXTURE_RULE];

type Requirement =
  | { kind: 'action'; action: Action; resource: ResourceKind }
  | { kind: 'authenticated' }
  | { kind: 'public' }
  /** A listing across buckets (the fleet): any authenticated caller, each row decided on its bucket. */
  | { kind: 'eachBucket'; action: Action };

// ---------------------------------------------------------------------------------------------------
// Requests

interface RestRequest {
  transport: 'rest';
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  body?: Record<string, unknown>;
}

interface GraphqlRequest {
  transport: 'graphql';
  query: string;
  variables: Record<string, unknown>;
  /** The `path` of the error a denial of this row's resolver produces. */
  errorPath: Array<string | number>;
}

type MatrixRequest = RestRequest | GraphqlRequest;

/** Per-invocation state: allowed callers really change OSS, so each gets its own rule / destination. */
interface Fixture {
  newDestination(): string;
  /** Creates a rule (as the allow-all caller) on SOURCE to a fresh destination; returns its id. */
  newRule(): Promise<string>;
}

/** Whom an allowed check ran as, for assertions on caller-specific answers. */
interface Caller {
  id: string;
  keyId: string;
  secret: string;
}

interface MatrixRow {
  /** As in the permission snapshot: `GET /v1/me`, `Query.me`, `ReplicationRule.progress`. */
  route: string;
  handler: string;
  requirement: Requirement;
  /** Actions a caller needs to reach the resolver at all (the parent of a field resolver). */
  reach?: Action[];
  /** The answer comes from the gateway's own store (fleet health, history): no OSS call of the action is made. */
  fromStore?: true;
  /** `allowed`: the request should succeed, so it gets fresh state; `denied`: it must not get that far. */
  request(fx: Fixture, purpose: 'allowed' | 'denied'): Promise<MatrixRequest> | MatrixRequest;
  /** The exact success an allowed caller gets. */
  expectAllowed(res: Response, caller: Caller): void;
}

const rulesPath = `/v1/buckets/${SOURCE}/replication/rules`;

const rest = (method: RestRequest['method'], path: string, body?: Record<string, unknown>): RestRequest => ({
  transport: 'rest',
  method,
  path,
  ...(body ? { body } : {}),
});

const gql = (
  query: string,
  variables: Record<string, unknown>,
  errorPath: Array<string | number>,
): GraphqlRequest => ({ transport: 'graphql', query, variables, errorPath });

/** GraphQL success: no errors, HTTP 200, and the data of the root field. */
function gqlData(res: Response, field: string): Record<string, unknown> {
  expect(res.status).toBe(200);
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data[field] as Record<string, unknown>;
}

function restOk(res: Response, status: number): Record<string, unknown> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body as Record<string, unknown>;
}

const onBucket = (action: Action): Requirement => ({ kind: 'action', action, resource: 'bucket' });
const onStar = (action: Action): Requirement => ({ kind: 'action', action, resource: '*' });

const CREATE_MUTATION = `mutation($b: String!, $in: CreateReplicationRuleInput!) {
  createReplicationRule(bucket: $b, input: $in) { id status destination { bucket } }
}`;
const DELETE_MUTATION = `mutation($b: String!, $r: ID!) { deleteReplicationRule(bucket: $b, ruleId: $r) { id status } }`;
const RTC_MUTATION = `mutation($b: String!, $r: ID!) {
  setReplicationTimeControl(bucket: $b, ruleId: $r, enabled: true) { id rtc { enabled } }
}`;
const SIMULATE_QUERY = `query($input: SimulatePolicyInput!) { simulatePolicy(input: $input) { decision } }`;
const SIMULATE_INPUT = { action: 'oss:PutBucketRtc', resource: SOURCE_ARN };

let createCounter = 0;
const nextRuleId = (prefix: string): string => {
  createCounter += 1;
  return `${prefix}-${createCounter}`;
};

const ROWS: MatrixRow[] = [
  // ------------------------------------------------------------------ REST
  {
    route: 'GET /health/live',
    handler: 'HealthController.live',
    requirement: { kind: 'public' },
    request: () => rest('get', '/health/live'),
    expectAllowed: (res) => expect(restOk(res, 200)).toEqual({ status: 'ok' }),
  },
  {
    route: 'GET /health/ready',
    handler: 'HealthController.ready',
    requirement: { kind: 'public' },
    request: () => rest('get', '/health/ready'),
    expectAllowed: (res) => expect(restOk(res, 200)).toMatchObject({ status: 'ok' }),
  },
  {
    route: 'GET /metrics',
    handler: 'MetricsController.scrape',
    requirement: { kind: 'public' },
    request: () => rest('get', '/metrics'),
    expectAllowed: (res) => {
      expect(res.status).toBe(200);
      expect(res.text).toContain('gateway_authorization_decisions_total');
    },
  },
  {
    route: 'GET /v1/me',
    handler: 'MeController.me',
    requirement: { kind: 'authenticated' },
    request: () => rest('get', '/v1/me'),
    expectAllowed: (res, caller) =>
      expect(restOk(res, 200)).toMatchObject({
        id: caller.id,
        keyId: caller.keyId,
        authenticatedBy: 'api-key',
      }),
  },
  {
    route: 'GET /v1/me/permissions',
    handler: 'MeController.permissions',
    requirement: { kind: 'authenticated' },
    request: () => rest('get', `/v1/me/permissions?bucket=${SOURCE}`),
    expectAllowed: (res, caller) =>
      expect(restOk(res, 200)).toMatchObject({ bucket: SOURCE, resource: permissionsResourceFor(caller) }),
  },
  {
    route: 'GET /v1/audit',
    handler: 'AuditController.list',
    requirement: onStar('gateway:ListAuditEvents'),
    request: () => rest('get', '/v1/audit?first=1'),
    expectAllowed: (res) => expect(restOk(res, 200)).toMatchObject({ items: expect.any(Array) }),
  },
  {
    route: 'GET /v1/audit/verify',
    handler: 'AuditController.verify',
    requirement: onStar('gateway:ListAuditEvents'),
    request: () => rest('get', '/v1/audit/verify'),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({
        valid: true,
        firstFailure: null,
        firstBrokenEventId: null,
        instances: expect.any(Array),
      }),
  },
  {
    route: 'POST /v1/authz/simulate',
    handler: 'SimulationController.simulate',
    requirement: onStar('gateway:SimulatePolicy'),
    request: () => rest('post', '/v1/authz/simulate', SIMULATE_INPUT),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({
        decision: expect.stringMatching(/^(Allow|ImplicitDeny|ExplicitDeny)$/),
      }),
  },
  {
    route: 'GET /v1/replication/rules',
    handler: 'FleetController.list',
    requirement: { kind: 'eachBucket', action: 'oss:GetBucketReplication' },
    request: () => rest('get', '/v1/replication/rules?first=10'),
    expectAllowed: (res, caller) => {
      const items = restOk(res, 200).items as Array<{ rule: { id: string }; health: unknown }>;
      // Rows the caller may not read are left out, never errors.
      expect(items.map((i) => i.rule.id)).toEqual(fleetRowsFor(caller));
    },
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/rules/:ruleId/health',
    handler: 'FleetController.health',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    fromStore: true,
    request: () => rest('get', `${rulesPath}/${FIXTURE_RULE}/health`),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({ state: expect.any(String), reasons: expect.any(Array) }),
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/rules/:ruleId/progress/history',
    handler: 'FleetController.history',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    fromStore: true,
    request: () => rest('get', `${rulesPath}/${FIXTURE_RULE}/progress/history?first=5`),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({ samples: expect.any(Array), nextCursor: null }),
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/rules',
    handler: 'ReplicationController.list',
    requirement: onBucket('oss:GetBucketReplication'),
    request: () => rest('get', rulesPath),
    expectAllowed: (res) =>
      expect(restOk(res, 200).rules).toContainEqual(expect.objectContaining({ id: FIXTURE_RULE })),
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/rules/:ruleId',
    handler: 'ReplicationController.get',
    requirement: onBucket('oss:GetBucketReplication'),
    request: () => rest('get', `${rulesPath}/${FIXTURE_RULE}`),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({
        id: FIXTURE_RULE,
        destination: { bucket: FIXTURE_DESTINATION },
      }),
  },
  {
    route: 'POST /v1/buckets/:bucket/replication/rules',
    handler: 'ReplicationController.create',
    requirement: onBucket('oss:PutBucketReplication'),
    // A denied create also names a fresh destination (and a prefix of its own: OSS refuses rules
    // whose prefixes overlap): the request would succeed but for the guard.
    request: (fx) => {
      const id = nextRuleId('rest-create');
      return rest('post', rulesPath, {
        id,
        prefixes: [`${id}/`],
        destination: { bucket: fx.newDestination(), location: `oss-${DESTINATION_REGION}` },
      });
    },
    expectAllowed: (res) => {
      const body = restOk(res, 201);
      expect(res.headers.location).toBe(`${rulesPath}/${String(body.id)}`);
      expect(body).toMatchObject({ id: expect.stringMatching(/^rest-create-/), status: 'starting' });
    },
  },
  {
    route: 'PUT /v1/buckets/:bucket/replication/rules/:ruleId/rtc',
    handler: 'ReplicationController.setRtc',
    requirement: onBucket('oss:PutBucketRtc'),
    request: async (fx, purpose) =>
      rest('put', `${rulesPath}/${purpose === 'allowed' ? await fx.newRule() : FIXTURE_RULE}/rtc`, {
        enabled: true,
      }),
    expectAllowed: (res) => expect(restOk(res, 200)).toMatchObject({ rtc: { enabled: true } }),
  },
  {
    route: 'DELETE /v1/buckets/:bucket/replication/rules/:ruleId',
    handler: 'ReplicationController.delete',
    requirement: onBucket('oss:DeleteBucketReplication'),
    request: async (fx, purpose) =>
      rest('delete', `${rulesPath}/${purpose === 'allowed' ? await fx.newRule() : FIXTURE_RULE}`),
    expectAllowed: (res) => expect(restOk(res, 202)).toMatchObject({ status: 'closing' }),
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/rules/:ruleId/progress',
    handler: 'ReplicationController.progress',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    request: () => rest('get', `${rulesPath}/${FIXTURE_RULE}/progress`),
    expectAllowed: (res) =>
      expect(restOk(res, 200)).toMatchObject({
        ruleId: FIXTURE_RULE,
        destination: { bucket: FIXTURE_DESTINATION },
      }),
  },
  {
    route: 'GET /v1/buckets/:bucket/replication/locations',
    handler: 'ReplicationController.locations',
    requirement: onBucket('oss:GetBucketReplicationLocation'),
    request: () => rest('get', `/v1/buckets/${SOURCE}/replication/locations`),
    expectAllowed: (res) =>
      expect(restOk(res, 200).locations).toContainEqual(
        expect.objectContaining({ location: `oss-${DESTINATION_REGION}` }),
      ),
  },
  // ------------------------------------------------------------------ GraphQL
  {
    route: 'Query.me',
    handler: 'MeResolver.me',
    requirement: { kind: 'authenticated' },
    request: () => gql('{ me { id keyId } }', {}, ['me']),
    expectAllowed: (res, caller) =>
      expect(gqlData(res, 'me')).toEqual({ id: caller.id, keyId: caller.keyId }),
  },
  {
    route: 'CallerIdentity.permissions',
    handler: 'MeResolver.permissions',
    requirement: { kind: 'authenticated' },
    request: () =>
      gql('query($b: String!) { me { permissions(bucket: $b) { bucket resource } } }', { b: SOURCE }, [
        'me',
        'permissions',
      ]),
    expectAllowed: (res, caller) =>
      expect(gqlData(res, 'me')).toEqual({
        permissions: { bucket: SOURCE, resource: permissionsResourceFor(caller) },
      }),
  },
  {
    route: 'Query.auditEvents',
    handler: 'AuditResolver.auditEvents',
    requirement: onStar('gateway:ListAuditEvents'),
    request: () => gql('{ auditEvents(first: 1) { items { id } } }', {}, ['auditEvents']),
    expectAllowed: (res) => expect(gqlData(res, 'auditEvents')).toMatchObject({ items: expect.any(Array) }),
  },
  {
    route: 'Query.auditVerification',
    handler: 'AuditResolver.auditVerification',
    requirement: onStar('gateway:ListAuditEvents'),
    request: () => gql('{ auditVerification { valid firstFailure { reason } } }', {}, ['auditVerification']),
    expectAllowed: (res) =>
      expect(gqlData(res, 'auditVerification')).toEqual({ valid: true, firstFailure: null }),
  },
  {
    route: 'Query.simulatePolicy',
    handler: 'SimulationResolver.simulatePolicy',
    requirement: onStar('gateway:SimulatePolicy'),
    request: () => gql(SIMULATE_QUERY, { input: SIMULATE_INPUT }, ['simulatePolicy']),
    expectAllowed: (res) =>
      expect(gqlData(res, 'simulatePolicy')).toEqual({
        decision: expect.stringMatching(/^(ALLOW|IMPLICIT_DENY|EXPLICIT_DENY)$/),
      }),
  },
  {
    route: 'Query.replicationFleet',
    handler: 'FleetResolver.replicationFleet',
    requirement: { kind: 'eachBucket', action: 'oss:GetBucketReplication' },
    request: () =>
      gql('{ replicationFleet(first: 10) { items { rule { id } } nextCursor } }', {}, ['replicationFleet']),
    expectAllowed: (res, caller) => {
      const items = gqlData(res, 'replicationFleet').items as Array<{ rule: { id: string } }>;
      expect(items.map((i) => i.rule.id)).toEqual(fleetRowsFor(caller));
    },
  },
  {
    route: 'ReplicationRule.health',
    handler: 'ReplicationRuleHealthResolver.health',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    fromStore: true,
    reach: ['oss:GetBucketReplication'],
    request: () =>
      gql(
        'query($b: String!, $id: ID!) { replicationRule(bucket: $b, id: $id) { id health { state } } }',
        { b: SOURCE, id: FIXTURE_RULE },
        ['replicationRule', 'health'],
      ),
    expectAllowed: (res) =>
      expect(gqlData(res, 'replicationRule')).toEqual({
        id: FIXTURE_RULE,
        health: { state: expect.any(String) },
      }),
  },
  {
    route: 'ReplicationRule.progressHistory',
    handler: 'ReplicationRuleHealthResolver.progressHistory',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    fromStore: true,
    reach: ['oss:GetBucketReplication'],
    request: () =>
      gql(
        'query($b: String!, $id: ID!) { replicationRule(bucket: $b, id: $id) { id progressHistory(first: 2) { nextCursor } } }',
        { b: SOURCE, id: FIXTURE_RULE },
        ['replicationRule', 'progressHistory'],
      ),
    expectAllowed: (res) =>
      expect(gqlData(res, 'replicationRule')).toEqual({
        id: FIXTURE_RULE,
        progressHistory: { nextCursor: null },
      }),
  },
  {
    route: 'Query.replicationRules',
    handler: 'ReplicationResolver.replicationRules',
    requirement: onBucket('oss:GetBucketReplication'),
    request: () =>
      gql('query($b: String!) { replicationRules(bucket: $b) { id } }', { b: SOURCE }, ['replicationRules']),
    expectAllowed: (res) => expect(gqlData(res, 'replicationRules')).toContainEqual({ id: FIXTURE_RULE }),
  },
  {
    route: 'Query.replicationRule',
    handler: 'ReplicationResolver.replicationRule',
    requirement: onBucket('oss:GetBucketReplication'),
    request: () =>
      gql(
        'query($b: String!, $id: ID!) { replicationRule(bucket: $b, id: $id) { id } }',
        { b: SOURCE, id: FIXTURE_RULE },
        ['replicationRule'],
      ),
    expectAllowed: (res) => expect(gqlData(res, 'replicationRule')).toEqual({ id: FIXTURE_RULE }),
  },
  {
    route: 'Query.replicationProgress',
    handler: 'ReplicationResolver.replicationProgress',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    request: () =>
      gql(
        'query($b: String!, $r: ID!) { replicationProgress(bucket: $b, ruleId: $r) { ruleId } }',
        { b: SOURCE, r: FIXTURE_RULE },
        ['replicationProgress'],
      ),
    expectAllowed: (res) => expect(gqlData(res, 'replicationProgress')).toEqual({ ruleId: FIXTURE_RULE }),
  },
  {
    route: 'Query.replicationLocations',
    handler: 'ReplicationResolver.replicationLocations',
    requirement: onBucket('oss:GetBucketReplicationLocation'),
    request: () =>
      gql(
        'query($b: String!) { replicationLocations(bucket: $b) { locations { location } } }',
        { b: SOURCE },
        ['replicationLocations'],
      ),
    expectAllowed: (res) =>
      expect(gqlData(res, 'replicationLocations').locations).toContainEqual({
        location: `oss-${DESTINATION_REGION}`,
      }),
  },
  {
    route: 'ReplicationRule.progress',
    handler: 'ReplicationResolver.progress',
    requirement: onBucket('oss:GetBucketReplicationProgress'),
    reach: ['oss:GetBucketReplication'],
    request: () =>
      gql(
        'query($b: String!, $id: ID!) { replicationRule(bucket: $b, id: $id) { id progress { ruleId } } }',
        { b: SOURCE, id: FIXTURE_RULE },
        ['replicationRule', 'progress'],
      ),
    expectAllowed: (res) =>
      expect(gqlData(res, 'replicationRule')).toEqual({
        id: FIXTURE_RULE,
        progress: { ruleId: FIXTURE_RULE },
      }),
  },
  {
    route: 'Mutation.createReplicationRule',
    handler: 'ReplicationResolver.createReplicationRule',
    requirement: onBucket('oss:PutBucketReplication'),
    request: (fx) =>
      gql(
        CREATE_MUTATION,
        {
          b: SOURCE,
          in: {
            id: nextRuleId('gql-create'),
            destination: { bucket: fx.newDestination(), location: `oss-${DESTINATION_REGION}` },
          },
        },
        ['createReplicationRule'],
      ),
    expectAllowed: (res) =>
      expect(gqlData(res, 'createReplicationRule')).toMatchObject({
        id: expect.stringMatching(/^gql-create-/),
        status: 'STARTING',
      }),
  },
  {
    route: 'Mutation.setReplicationTimeControl',
    handler: 'ReplicationResolver.setReplicationTimeControl',
    requirement: onBucket('oss:PutBucketRtc'),
    request: async (fx, purpose) =>
      gql(RTC_MUTATION, { b: SOURCE, r: purpose === 'allowed' ? await fx.newRule() : FIXTURE_RULE }, [
        'setReplicationTimeControl',
      ]),
    expectAllowed: (res) =>
      expect(gqlData(res, 'setReplicationTimeControl')).toMatchObject({ rtc: { enabled: true } }),
  },
  {
    route: 'Mutation.deleteReplicationRule',
    handler: 'ReplicationResolver.deleteReplicationRule',
    requirement: onBucket('oss:DeleteBucketReplication'),
    request: async (fx, purpose) =>
      gql(DELETE_MUTATION, { b: SOURCE, r: purpose === 'allowed' ? await fx.newRule() : FIXTURE_RULE }, [
        'deleteReplicationRule',
      ]),
    expectAllowed: (res) =>
      expect(gqlData(res, 'deleteReplicationRule')).toMatchObject({ status: 'CLOSING' }),
  },
];

const rowKey = (row: MatrixRow): string => `${row.route} (${row.handler})`;
const transportOf = (row: MatrixRow): 'REST' | 'GraphQL' =>
  /^[A-Z]+ \//.test(row.route) ? 'REST' : 'GraphQL';

type ActionRow = MatrixRow & { requirement: { kind: 'action'; action: Action; resource: ResourceKind } };
const isActionRow = (row: MatrixRow): row is ActionRow => row.requirement.kind === 'action';
const ACTION_ROWS = ROWS.filter(isActionRow);
const OPEN_ROWS = ROWS.filter((row) => !isActionRow(row));

// ---------------------------------------------------------------------------------------------------
// Callers

/** Named policies: `Allow.<Action>` (on the resource the action is evaluated on) and `Deny.<Action>`. */
const RESOURCE_OF_ACTION = new Map<Action, ResourceKind>(
  ACTION_ROWS.map((row) => [row.requirement.action, row.requirement.resource]),
);
const allowPolicyName = (action: Action): string => `Allow.${actionName(action)}`;
const denyPolicyName = (action: Action): string => `Deny.${actionName(action)}`;
const denySid = (action: Action): string => `Deny${actionName(action)}`;

/** Callers allowed exactly a set of actions (the key is the sorted set). */
function onlyKey(actions: Iterable<Action>): string {
  return [...new Set(actions)].sort().join('+');
}

/** Every "allowed exactly these actions" set the matrix needs, derived from the rows. */
function neededActionSets(): Action[][] {
  const sets = new Map<string, Action[]>();
  const add = (actions: Action[]) => sets.set(onlyKey(actions), [...new Set(actions)].sort());
  for (const row of ACTION_ROWS) {
    const reach = row.reach ?? [];
    add([...reach, row.requirement.action]);
    add(reach);
    for (const other of ACTIONS) {
      if (other !== row.requirement.action) {
        add([...reach, other]);
      }
    }
  }
  return [...sets.values()];
}

function buildCallers() {
  let keyCounter = 0;
  const entries: PrincipalFixture[] = [];
  const make = (id: string, policies: string[]): Caller => {
    keyCounter += 1;
    const keyId = `matrix-key-${keyCounter}`;
    const made = principalWithKey(id, { policies }, keyId);
    entries.push(made.entry);
    return { id, keyId, secret: made.secret };
  };

  const allowAll = make('allow-all', ['AllowEverything']);
  const denyEverything = make('deny-everything', ['DenyEverything']);
  const only = new Map<string, Caller>();
  for (const set of neededActionSets()) {
    const id = set.length === 0 ? 'no-policies' : `only:${set.map(actionName).join('+')}`;
    only.set(onlyKey(set), make(id, set.map(allowPolicyName)));
  }
  const explicitlyDenied = new Map<Action, Caller>(
    ACTIONS.map((action) => [
      action,
      make(`all-but:${actionName(action)}`, ['AllowEverything', denyPolicyName(action)]),
    ]),
  );

  const policies: Record<string, unknown> = {
    AllowEverything: policy({ Sid: 'AllowEverything', ...allow(['oss:*', 'gateway:*']) }),
    DenyEverything: policy({ Sid: 'DenyEverything', ...deny(['oss:*', 'gateway:*']) }),
  };
  for (const action of ACTIONS) {
    const resource = resourceOf(RESOURCE_OF_ACTION.get(action) ?? '*');
    policies[allowPolicyName(action)] = policy(allow(action, resource));
    policies[denyPolicyName(action)] = policy({ Sid: denySid(action), ...deny(action) });
  }

  const onlyCaller = (actions: Action[]): Caller => {
    const caller = only.get(onlyKey(actions));
    if (!caller) {
      throw new Error(`no caller allowed exactly ${onlyKey(actions)}`);
    }
    return caller;
  };
  return {
    document: { policies, principals: entries },
    allowAll,
    denyEverything,
    onlyCaller,
    explicitlyDenied: (action: Action): Caller => explicitlyDenied.get(action)!,
  };
}

const CALLERS = buildCallers();

// ---------------------------------------------------------------------------------------------------
// The matrix

describe(`${RequestPipelineGuard.name}: the authorization matrix of every route and resolver (REST and GraphQL, OSS emulator)`, () => {
  let emulator: Emulator;
  let principals: PrincipalsFile;
  let t: TestApp;
  const inventory = new InMemoryInventory();
  const ossLog: string[] = [];
  let bucketCounter = 0;

  const fixture: Fixture = {
    newDestination() {
      bucketCounter += 1;
      const name = `authz-matrix-dst-${bucketCounter}`;
      emulator.admin.createBucket(name, DESTINATION_REGION);
      return name;
    },
    async newRule() {
      const id = nextRuleId('prepared');
      const res = await t.request
        .post(rulesPath)
        .set('x-api-key', CALLERS.allowAll.secret)
        .send({
          id,
          destination: { bucket: fixture.newDestination(), location: `oss-${DESTINATION_REGION}` },
        });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return id;
    },
  };

  async function send(request: MatrixRequest, caller: Caller | undefined): Promise<Response> {
    const headers: Record<string, string> = caller ? { 'x-api-key': caller.secret } : {};
    if (request.transport === 'graphql') {
      return t.graphql(request.query, request.variables, headers);
    }
    const pending = t.request[request.method](request.path).set(headers);
    return request.body ? pending.send(request.body) : pending;
  }

  /** OSS operations the emulator served while `run` was in flight. */
  async function ossOperations<T>(run: () => Promise<T>): Promise<{ result: T; operations: string[] }> {
    const before = ossLog.length;
    const result = await run();
    return { result, operations: ossLog.slice(before).map((line) => line.split(' ')[2]) };
  }

  /**
   * Runs a request that must be refused and proves that nothing but the bucket-location lookup (and
   * the operations of the `reach` actions) reached OSS.
   */
  async function refused(row: MatrixRow, caller: Caller | undefined): Promise<Response> {
    const request = await row.request(fixture, 'denied');
    const { result, operations } = await ossOperations(() => send(request, caller));
    // The parent of a field resolver is allowed and reads OSS; the row's own operation never runs.
    const expected = new Set(['GetBucketLocation', ...(row.reach ?? []).map(actionName)]);
    expect(operations.filter((op) => !expected.has(op))).toEqual([]);
    return result;
  }

  /** Runs a request that must succeed; an OSS action's own operation must then have reached OSS. */
  async function allowed(row: MatrixRow, caller: Caller | undefined): Promise<Response> {
    const request = await row.request(fixture, 'allowed');
    const { result, operations } = await ossOperations(() => send(request, caller));
    if (isActionRow(row) && row.requirement.action.startsWith('oss:')) {
      // OSS spells PutBucketRtc as PutBucketRTC.
      const called = operations.map((op) => op.toLowerCase());
      const operation = actionName(row.requirement.action).toLowerCase();
      if (row.fromStore) {
        expect(called).not.toContain(operation);
      } else {
        expect(called).toContain(operation);
      }
    }
    return result;
  }

  /** The authorization explanation of a denial, from the problem body or the GraphQL error at the row's path. */
  function denial(row: MatrixRow, res: Response): Record<string, unknown> {
    if (transportOf(row) === 'REST') {
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN', status: 403 });
      expect(res.body).not.toHaveProperty('oss');
      return res.body.authorization as Record<string, unknown>;
    }
    expect(res.status).toBe(200);
    const errors = (res.body.errors ?? []) as Array<{
      path?: unknown[];
      extensions: Record<string, unknown>;
    }>;
    expect(errors, JSON.stringify(res.body)).toHaveLength(1);
    const [error] = errors;
    expect(error.extensions.code).toBe('FORBIDDEN');
    expect(error.extensions).not.toHaveProperty('oss');
    return { ...(error.extensions.authorization as Record<string, unknown>), path: error.path };
  }

  function expectUnauthenticated(row: MatrixRow, res: Response): void {
    if (transportOf(row) === 'REST') {
      expect(res.status, JSON.stringify(res.body)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      expect(res.body).not.toHaveProperty('authorization');
      return;
    }
    // Without the explorer (upstream mode) a document without credentials is refused unread (401);
    // with it, the document is read and each field that needs a caller answers UNAUTHENTICATED.
    expect(res.status).toBe(t.config.graphqlExplorer ? 200 : 401);
    const errors = (res.body.errors ?? []) as Array<{ extensions: { code: string } }>;
    expect(errors.length, JSON.stringify(res.body)).toBeGreaterThan(0);
    expect(errors.map((e) => e.extensions.code)).toEqual(errors.map(() => 'UNAUTHENTICATED'));
  }

  const errorPathOf = async (row: MatrixRow): Promise<unknown> => {
    const request = await row.request(fixture, 'denied');
    return request.transport === 'graphql' ? request.errorPath : undefined;
  };

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      replication: { tickMs: 0, startingMs: 0, closingMs: 3_600_000, rtcEnablingMs: 0 },
      logger: (line) => ossLog.push(line),
    });
    emulator.admin.createBucket(SOURCE, SOURCE_REGION);
    emulator.admin.createBucket(FIXTURE_DESTINATION, DESTINATION_REGION);
    emulator.admin.putObject(SOURCE, 'logs/0.txt', 'line 0');
    principals = writePrincipalsFile(CALLERS.document);
    t = await createTestApp(
      {
        ...emulatorEnv(emulator, GATEWAY_REGION),
        OSS_ACCOUNT_ID: ACCOUNT_ID,
        GATEWAY_PRINCIPALS_FILE: principals.file,
      },
      // The fleet's rows are the fixture rule's, set below (not waiting for the OSS listing).
      { inventory },
    );
    const created = await t.request
      .post(rulesPath)
      .set('x-api-key', CALLERS.allowAll.secret)
      .send({
        id: FIXTURE_RULE,
        destination: { bucket: FIXTURE_DESTINATION, location: `oss-${DESTINATION_REGION}` },
      });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    emulator.admin.flushReplication();
    // The fleet reads the inventory: the fixture rule is in it, with its bucket's region.
    inventory.set([
      {
        account: 'default',
        bucket: SOURCE,
        ruleId: FIXTURE_RULE,
        region: SOURCE_REGION,
        rule: {
          id: FIXTURE_RULE,
          status: 'doing',
          prefixes: [],
          action: 'ALL',
          destination: {
            bucket: FIXTURE_DESTINATION,
            location: `oss-${DESTINATION_REGION}`,
            transferType: 'internal',
          },
          historicalObjectReplication: true,
          rtc: { enabled: false },
        },
      },
    ]);
  });

  afterAll(async () => {
    await t?.close();
    await emulator?.close();
    principals?.cleanup();
  });

  const name = (row: MatrixRow, what: string) => `${row.route} — ${what}`;
  const deniedStatus = (row: MatrixRow) => (transportOf(row) === 'REST' ? '403' : 'FORBIDDEN');
  const unauthStatus = (row: MatrixRow) => (transportOf(row) === 'REST' ? '401' : 'UNAUTHENTICATED');

  describe('endpoints that require a RAM action', () => {
    it.each(ACTION_ROWS.map((row) => [name(row, 'allow-all caller → allowed'), row] as const))(
      '%s',
      async (_name, row) => {
        row.expectAllowed(await allowed(row, CALLERS.allowAll), CALLERS.allowAll);
      },
    );

    it.each(
      ACTION_ROWS.map(
        (row) => [name(row, `caller allowed only ${row.requirement.action} → allowed`), row] as const,
      ),
    )('%s', async (_name, row) => {
      const caller = CALLERS.onlyCaller([...(row.reach ?? []), row.requirement.action]);
      row.expectAllowed(await allowed(row, caller), caller);
    });

    it.each(ACTION_ROWS.map((row) => [name(row, `ImplicitDeny → ${deniedStatus(row)}`), row] as const))(
      '%s',
      async (_name, row) => {
        const res = await refused(row, CALLERS.onlyCaller(row.reach ?? []));
        const authorization = denial(row, res);
        expect(authorization).toMatchObject({
          decision: 'ImplicitDeny',
          action: row.requirement.action,
          resource: unresolvedResourceOf(row.requirement.resource),
          matchedStatements: [],
        });
        if (transportOf(row) === 'GraphQL') {
          expect(authorization.path).toEqual(await errorPathOf(row));
        }
      },
    );

    it.each(
      ACTION_ROWS.map(
        (row) =>
          [name(row, `callers allowed only other actions → ImplicitDeny ${deniedStatus(row)}`), row] as const,
      ),
    )('%s', async (_name, row) => {
      for (const other of ACTIONS.filter((a) => a !== row.requirement.action)) {
        const res = await refused(row, CALLERS.onlyCaller([...(row.reach ?? []), other]));
        expect(denial(row, res), `a caller allowed only ${other}`).toMatchObject({
          decision: 'ImplicitDeny',
          action: row.requirement.action,
          resource: unresolvedResourceOf(row.requirement.resource),
        });
      }
    });

    it.each(ACTION_ROWS.map((row) => [name(row, `ExplicitDeny → ${deniedStatus(row)}`), row] as const))(
      '%s',
      async (_name, row) => {
        const { action } = row.requirement;
        const res = await refused(row, CALLERS.explicitlyDenied(action));
        const authorization = denial(row, res);
        expect(authorization).toMatchObject({
          decision: 'ExplicitDeny',
          action,
          resource: resourceOf(row.requirement.resource),
          matchedStatements: [
            { policy: denyPolicyName(action), statement: 0, sid: denySid(action), effect: 'Deny' },
          ],
        });
        if (transportOf(row) === 'GraphQL') {
          expect(authorization.path).toEqual(await errorPathOf(row));
        }
      },
    );

    it.each(ACTION_ROWS.map((row) => [name(row, `no credentials → ${unauthStatus(row)}`), row] as const))(
      '%s',
      async (_name, row) => {
        expectUnauthenticated(row, await refused(row, undefined));
      },
    );
  });

  describe('endpoints open to any authenticated caller', () => {
    const authenticated = OPEN_ROWS.filter(
      (row) => row.requirement.kind === 'authenticated' || row.requirement.kind === 'eachBucket',
    );

    it.each(authenticated.map((row) => [name(row, 'caller without policies → allowed'), row] as const))(
      '%s',
      async (_name, row) => {
        const caller = CALLERS.onlyCaller([]);
        row.expectAllowed(await allowed(row, caller), caller);
      },
    );

    it.each(authenticated.map((row) => [name(row, 'caller denied every action → allowed'), row] as const))(
      '%s',
      async (_name, row) => {
        row.expectAllowed(await allowed(row, CALLERS.denyEverything), CALLERS.denyEverything);
      },
    );

    it.each(authenticated.map((row) => [name(row, `no credentials → ${unauthStatus(row)}`), row] as const))(
      '%s',
      async (_name, row) => {
        expectUnauthenticated(row, await refused(row, undefined));
      },
    );
  });

  describe('public endpoints', () => {
    const open = OPEN_ROWS.filter((row) => row.requirement.kind === 'public');

    it.each(open.map((row) => [name(row, 'no credentials → allowed'), row] as const))(
      '%s',
      async (_name, row) => {
        row.expectAllowed(await allowed(row, undefined), CALLERS.allowAll);
      },
    );

    it.each(open.map((row) => [name(row, 'caller denied every action → allowed'), row] as const))(
      '%s',
      async (_name, row) => {
        row.expectAllowed(await allowed(row, CALLERS.denyEverything), CALLERS.denyEverything);
      },
    );
  });

  describe('coverage', () => {
    const snapshot = JSON.parse(readFileSync(SNAPSHOT_FILE, 'utf8')) as Record<string, string>;

    it('has exactly one row per entry of the permission snapshot', () => {
      const rows = ROWS.map(rowKey);
      const missing = Object.keys(snapshot).filter((key) => !rows.includes(key));
      const extra = rows.filter((key) => !(key in snapshot));
      expect(missing, 'snapshot entries without a matrix row: add a row to authz-matrix.e2e-spec.ts').toEqual(
        [],
      );
      expect(extra, 'matrix rows that are not in the permission snapshot').toEqual([]);
      expect(new Set(rows).size, 'duplicate matrix rows').toBe(rows.length);
    });

    it('has exactly one row per route and resolver of the running application', () => {
      const live = collectEndpointPermissions(
        t.app.get(DiscoveryService),
        t.app.get(MetadataScanner),
        t.app.get(Reflector),
      ).map((e) => `${e.route} (${e.handler})`);
      expect(
        live.filter((key) => !ROWS.some((row) => rowKey(row) === key)),
        'endpoints without a matrix row',
      ).toEqual([]);
      expect(
        ROWS.map(rowKey).filter((key) => !live.includes(key)),
        'rows for no endpoint',
      ).toEqual([]);
    });

    it('expects of every row the action and resource the snapshot declares', () => {
      for (const row of ROWS) {
        const declared = snapshot[rowKey(row)];
        const { requirement } = row;
        if (requirement.kind === 'eachBucket') {
          expect(declared, rowKey(row)).toMatch(new RegExp(`^${requirement.action} on bucket\\(each row`));
          continue;
        }
        if (requirement.kind !== 'action') {
          expect(declared, rowKey(row)).toBe(requirement.kind);
          continue;
        }
        const selector = requirement.resource === '*' ? '\\*' : 'bucket\\((bucket|parent\\.bucket)\\)';
        expect(declared, rowKey(row)).toMatch(
          new RegExp(`^${requirement.action} on ${selector}( \\+context)?$`),
        );
      }
    });
  });
});
