import { describe, expect, it } from 'vitest';
import { defaultOperationId, gatewayVersion, nameInlineEnums, sortKeysDeep } from './openapi.js';

describe(sortKeysDeep.name, () => {
  it('orders object keys at every depth and keeps array order', () => {
    const sorted = sortKeysDeep({ b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: null } });
    expect(JSON.stringify(sorted)).toBe('{"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1}');
  });

  it('drops undefined members so the output does not depend on how an object was built', () => {
    expect(sortKeysDeep({ a: undefined, b: 2 })).toEqual({ b: 2 });
    expect(Object.keys(sortKeysDeep({ a: undefined, b: 2 }))).toEqual(['b']);
  });
});

describe(defaultOperationId.name, () => {
  it('derives a camelCase id from the controller and method names', () => {
    expect(defaultOperationId('ReplicationController', 'listRules')).toBe('replicationListRules');
    expect(defaultOperationId('Health', 'live')).toBe('healthLive');
  });
});

describe(nameInlineEnums.name, () => {
  it('replaces an inline enum with a reference to the named enum of the same values', () => {
    const schemas: Record<string, Record<string, unknown>> = {
      Decision: { type: 'string', enum: ['Allow', 'ImplicitDeny', 'ExplicitDeny'] },
      Permissions: {
        type: 'object',
        properties: {
          actions: {
            type: 'object',
            additionalProperties: { type: 'string', enum: ['ExplicitDeny', 'Allow', 'ImplicitDeny'] },
          },
        },
      },
    };
    nameInlineEnums(schemas);
    expect(schemas.Permissions).toEqual({
      type: 'object',
      properties: {
        actions: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Decision' } },
      },
    });
  });

  it('leaves an inline enum alone when no named enum has the same values, or when it carries more than type and enum', () => {
    const schemas: Record<string, Record<string, unknown>> = {
      Decision: { type: 'string', enum: ['Allow', 'Deny'] },
      Thing: {
        type: 'object',
        properties: {
          other: { type: 'string', enum: ['x', 'y'] },
          described: { type: 'string', enum: ['Allow', 'Deny'], description: 'kept as written' },
        },
      },
    };
    const before = JSON.stringify(schemas);
    nameInlineEnums(schemas);
    expect(JSON.stringify(schemas)).toBe(before);
  });
});

describe(gatewayVersion.name, () => {
  it("reads the gateway's package version from the nearest package.json", () => {
    expect(gatewayVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
