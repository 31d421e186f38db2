import 'reflect-metadata';
import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import fc from 'fast-check';
import { getMetadataStorage } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../emulator/emulator-server.js';
import type { EndpointInput } from '../../request/endpoint.js';
import { EndpointRegistry } from '../../request/nest/endpoint-registry.js';
import { writePrincipalsFile, type PrincipalsFile } from '../../../test/fixtures/principals.js';
import { createTestApp, emulatorEnv, type TestApp } from '../../../test/utils/create-test-app.js';
import { DomainError } from '../errors/domain-error.js';
import { flattenValidationErrors, GatewayValidationPipe } from './validation.pipe.js';

/**
 * The pipe answers JSON-shaped input itself, synchronously (class-transformer's `plainToInstance` and
 * class-validator's `validateSync`). On generated inputs for every DTO class an endpoint of the
 * application declares, it must accept and reject exactly what Nest's ValidationPipe (class-validator's
 * asynchronous `validate`) does with the same options, build the same instances, and name the same
 * problems.
 */

/** Nest's own pipe, configured as the gateway's: the authority the synchronous path must match. */
const reference = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
  validationError: { target: true, value: true },
  exceptionFactory: (errors: ValidationError[]) => DomainError.validation(flattenValidationErrors(errors)),
});

type Outcome = { ok: unknown } | { problems: unknown };

function settle(answer: () => unknown): Outcome | Promise<Outcome> {
  const failed = (error: unknown): Outcome => {
    if (!(error instanceof DomainError)) {
      throw error;
    }
    return { problems: error.details };
  };
  try {
    const value = answer();
    return value instanceof Promise ? value.then((ok: unknown) => ({ ok }), failed) : { ok: value };
  } catch (error) {
    return failed(error);
  }
}

/** Values a field of that name plausibly holds, valid or just wrong (so that both answers occur). */
const bucketName = fc.constantFrom('demo-source', 'demo-archive', 'Bad_Bucket', 'ab', 'a'.repeat(64), '');
const ruleId = fc.oneof(fc.constantFrom('r1', 'logs-to-beijing', '', 'bad id', 'x'.repeat(256)), fc.string());
const flag = fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', '1', 'yes'));
const location = fc.constantFrom('oss-cn-beijing', 'cn-beijing', 'oss-', 'oss-us-west-1');
const PLAUSIBLE: Record<string, fc.Arbitrary<unknown>> = {
  bucket: bucketName,
  ruleId,
  id: ruleId,
  dryRun: flag,
  enabled: flag,
  historicalObjectReplication: flag,
  sseKmsEncryptedObjects: flag,
  prefixes: fc.array(fc.oneof(fc.constantFrom('logs/', 'images/', '', 'logs/'), fc.string()), {
    maxLength: 4,
  }),
  action: fc.constantFrom('ALL', 'PUT', 'DELETE', 'oss:GetBucketReplication', 'oss:PutBucketRtc'),
  destination: fc.record(
    { bucket: bucketName, location, transferType: fc.constantFrom('internal', 'oss_acc', 'fast') },
    { requiredKeys: [] },
  ),
  rtc: fc.record({ enabled: flag }, { requiredKeys: [] }),
  filter: fc.record(
    {
      bucket: bucketName,
      decision: fc.constantFrom('Allow', 'Maybe'),
      from: fc.constantFrom('2025-05-01', 'x'),
    },
    { requiredKeys: [] },
  ),
  location,
  transferType: fc.constantFrom('internal', 'oss_acc', 'INTERNAL'),
  first: fc.oneof(fc.integer({ min: -1, max: 600 }), fc.constantFrom('50', 'ten')),
  after: fc.string({ maxLength: 8 }),
  principal: fc.constantFrom('billing-service', ''),
  resource: fc.constantFrom('acs:oss:*:*:demo-source', '*', ''),
  decision: fc.constantFrom('Allow', 'ImplicitDeny', 'ExplicitDeny', 'Maybe'),
  policies: fc.array(fc.oneof(fc.constant({ Version: '1', Statement: [] }), fc.string()), { maxLength: 2 }),
  kind: fc.constantFrom('decision', 'oss-call', 'other'),
  requestId: fc.string({ maxLength: 8 }),
  from: fc.constantFrom('2025-05-01', '2025-05-01T08:00:00Z', '2025-05-01T08:00:00+08:00', 'yesterday'),
  to: fc.constantFrom('2025-06-01', 'tomorrow'),
  context: fc.dictionary(fc.constantFrom('acs:SourceIp', 'oss:Prefix'), fc.oneof(fc.string(), fc.integer())),
  account: fc.constantFrom('default', 'acme', 'no spaces', ''),
  health: fc.constantFrom('lagging', 'healthy', 'sad', 'LAGGING'),
  status: fc.constantFrom('doing', 'closing', 'gone'),
};

/** A valid value for a field of that name (for one class or another). */
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  bucket: fc.constantFrom('demo-source', 'demo-archive'),
  ruleId: fc.constantFrom('r1', 'logs-to-beijing'),
  id: fc.constantFrom('r1', 'logs-to-beijing'),
  dryRun: fc.boolean(),
  enabled: fc.boolean(),
  historicalObjectReplication: fc.boolean(),
  sseKmsEncryptedObjects: fc.boolean(),
  prefixes: fc.constantFrom([], ['logs/'], ['logs/', 'images/']),
  action: fc.constantFrom('ALL', 'PUT', 'oss:PutBucketRtc'),
  destination: fc.constantFrom(
    { bucket: 'demo-archive', location: 'oss-cn-beijing' },
    { bucket: 'demo-archive', location: 'oss-cn-beijing', transferType: 'oss_acc' },
  ),
  rtc: fc.constantFrom({ enabled: true }, { enabled: false }),
  location: fc.constant('oss-cn-beijing'),
  transferType: fc.constantFrom('internal', 'oss_acc'),
  first: fc.integer({ min: 1, max: 500 }),
  after: fc.constant('abc'),
  principal: fc.constant('billing-service'),
  resource: fc.constantFrom('*', 'acs:oss:*:*:demo-source'),
  decision: fc.constantFrom('Allow', 'ImplicitDeny'),
  kind: fc.constantFrom('decision', 'oss-call'),
  requestId: fc.constant('req-1'),
  from: fc.constant('2025-05-01'),
  to: fc.constant('2025-06-01T00:00:00Z'),
  filter: fc.constantFrom({}, { bucket: 'demo-source' }),
  policies: fc.constant([{ Version: '1', Statement: [] }]),
  context: fc.constantFrom({}, { 'acs:SourceIp': '10.0.0.1' }),
  syncRole: fc.constant('role'),
  replicaKmsKeyId: fc.constant('key-1'),
  account: fc.constantFrom('default', 'acme'),
  health: fc.constantFrom('lagging', 'healthy'),
  status: fc.constantFrom('doing', 'starting'),
};

const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer({ min: -2, max: 600 }),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...Object.keys(PLAUSIBLE)), tie('node'), { maxKeys: 3 }),
  ),
})).node;

/**
 * Inputs for a class: any of its own properties (each plausible or arbitrary), sometimes one more
 * that it does not declare.
 */
function inputFor(metatype: EndpointInput['metatype']): fc.Arbitrary<Record<string, unknown>> {
  const own = [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(metatype, '', false, false)
        .map((rule) => rule.propertyName),
    ),
  ];
  const fields = Object.fromEntries(
    own.map((key) => [
      key,
      fc.oneof(
        { weight: 3, arbitrary: VALID[key] ?? anyValue },
        { weight: 2, arbitrary: PLAUSIBLE[key] ?? anyValue },
        { weight: 1, arbitrary: anyValue },
      ),
    ]),
  );
  const mixed = fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.tuple(fc.constantFrom(...Object.keys(PLAUSIBLE)), anyValue), { freq: 4 }),
    )
    .map(([record, extra]) => (extra === null ? record : { [extra[0]]: extra[1], ...record }));
  const valid = fc.record(Object.fromEntries(own.map((key) => [key, VALID[key] ?? anyValue])), {
    requiredKeys: [],
  });
  return fc.oneof({ weight: 3, arbitrary: mixed }, { weight: 1, arbitrary: valid });
}

describe('GatewayValidationPipe, synchronous path', () => {
  let emu: Emulator;
  let file: PrincipalsFile;
  let t: TestApp;
  let inputs: EndpointInput[];

  beforeAll(async () => {
    emu = await startEmulator();
    file = writePrincipalsFile({ principals: [] });
    t = await createTestApp({ ...emulatorEnv(emu), GATEWAY_PRINCIPALS_FILE: file.file });
    const byClass = new Map<unknown, EndpointInput>();
    for (const { endpoint } of t.app.get(EndpointRegistry).all()) {
      for (const declared of endpoint.inputs) {
        byClass.set(declared.metatype, declared);
      }
    }
    inputs = [...byClass.values()];
  });
  afterAll(async () => {
    await t?.close();
    await emu?.close();
    file?.cleanup();
  });

  it('covers the DTO classes of the application', () => {
    expect(inputs.map((i) => i.metatype.name)).toEqual(
      expect.arrayContaining(['BucketArgs', 'RuleArgs', 'CreateReplicationRuleInput', 'SimulatePolicyInput']),
    );
  });

  it('accepts, rejects and builds exactly what Nest’s ValidationPipe does', async () => {
    const answers = new Map<string, { accepted: number; rejected: number }>();
    for (const declared of inputs) {
      const counts = { accepted: 0, rejected: 0 };
      answers.set(declared.metatype.name, counts);
      const metadata: ArgumentMetadata = {
        type: 'body',
        metatype: declared.metatype as ArgumentMetadata['metatype'],
      };
      await fc.assert(
        fc.asyncProperty(inputFor(declared.metatype), async (generated) => {
          // A fresh pipe each time: nothing remembered from an earlier input.
          const ours = settle(() =>
            new GatewayValidationPipe().transform(structuredClone(generated), metadata),
          );
          expect(ours).not.toBeInstanceOf(Promise);
          const theirs = await settle(() => reference.transform(structuredClone(generated), metadata));
          expect(ours).toStrictEqual(theirs);
          counts['ok' in theirs ? 'accepted' : 'rejected'] += 1;
        }),
        { numRuns: 200 },
      );
    }
    // Both answers occur for every class: the property is about acceptance as much as rejection.
    for (const [name, counts] of answers) {
      expect({ name, accepted: counts.accepted > 0, rejected: counts.rejected > 0 }).toEqual({
        name,
        accepted: true,
        rejected: true,
      });
    }
  });
});
