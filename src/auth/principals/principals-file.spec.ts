import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluate } from '../ram/index.js';
import { parsePrincipalsFile } from './principals-file.js';
import {
  allow,
  deny,
  newSecret,
  policy,
  sha256Hex,
  type PrincipalsDocument,
} from '../../../test/fixtures/principals.js';

function parse(document: PrincipalsDocument | string, name = 'principals.yaml') {
  return parsePrincipalsFile(typeof document === 'string' ? document : stringify(document), name);
}

function problemsOf(document: PrincipalsDocument | string, name?: string) {
  const result = parse(document, name);
  if (result.ok) {
    throw new Error('expected the file to be rejected');
  }
  return result.problems;
}

const DESIGN_EXAMPLE = `
policies:
  ReplicationReadOnly: { Version: "1", Statement: [ { Effect: Allow, Action: ["oss:GetBucketReplication*"], Resource: ["*"] } ] }
groups:
  platform-ops: { policies: [AliyunOSSFullAccess] }
principals:
  - id: billing-service
    type: service
    groups: [platform-ops]
    policies: [ReplicationReadOnly]
    apiKeys:
      - id: billing-1
        sha256: "${sha256Hex('billing-production-secret')}"
      - id: billing-dev
        secret: "dev-only-plain-secret"
jwt:
  issuer: https://idp.example.internal
  audience: oss-replication-gateway
  jwksUrl: https://idp.example.internal/.well-known/jwks.json
  principalClaim: sub
  groupsClaim: groups
`;

describe(parsePrincipalsFile.name, () => {
  it('accepts the DESIGN.md example and compiles direct and group policies per principal', () => {
    const result = parse(DESIGN_EXAMPLE);
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    const billing = result.snapshot.principals.get('billing-service')!;
    expect(billing.type).toBe('service');
    expect(billing.groups).toEqual(['platform-ops']);
    expect(billing.policies.map((p) => p.name)).toEqual(['ReplicationReadOnly', 'AliyunOSSFullAccess']);
    const decision = evaluate(billing.policySet, { action: 'oss:PutBucketRtc', resource: 'acs:oss:*:*:b' });
    expect(decision.decision).toBe('Allow');
    expect(decision.matchedStatements[0].policy).toBe('AliyunOSSFullAccess');
    expect(result.plainSecretKeys).toEqual(['billing-dev']);
    expect(result.snapshot.jwt).toMatchObject({
      principalClaim: 'sub',
      groupsClaim: 'groups',
      audience: ['oss-replication-gateway'],
    });
    const byDigest = result.snapshot.apiKeysByDigest.get(sha256Hex('dev-only-plain-secret'));
    expect(byDigest).toMatchObject({
      keyId: 'billing-dev',
      principalId: 'billing-service',
      plainSecret: true,
    });
  });

  it('reads JSON files with the JSON parser', () => {
    const result = parse(JSON.stringify({ principals: [{ id: 'a', type: 'role' }] }), 'principals.json');
    expect(result.ok && result.snapshot.principals.get('a')?.type).toBe('role');
    expect(problemsOf('{ "principals": [', 'p.json')[0].message).toMatch(/not valid JSON/);
  });

  it('names the path of a bad statement inside a named policy', () => {
    const problems = problemsOf({
      policies: {
        ReplicationReadOnly: {
          Version: '1',
          Statement: [{ Effect: 'Permit', Action: 'oss:*', Resource: '*' }],
        },
      },
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'policies.ReplicationReadOnly.Statement[0].Effect' }),
    ]);
  });

  it('names the path of a bad inline policy of a principal', () => {
    const problems = problemsOf({
      principals: [
        {
          id: 'svc',
          type: 'service',
          policies: [
            policy(allow('oss:*', '*', { Condition: { IpAdress: { 'acs:SourceIp': '10.0.0.0/8' } } })),
          ],
        },
      ],
    });
    expect(problems[0].path).toMatch(/^principals\[0\]\.policies\[0\]\.Statement\[0\]\.Condition/);
  });

  it('rejects unknown policy, group and top-level names', () => {
    const problems = problemsOf({
      groups: { ops: { policies: ['NoSuchPolicy'] } },
      principals: [{ id: 'svc', type: 'service', groups: ['nope'] }],
      extras: true,
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'extras',
      'groups.ops.policies[0]',
      'principals[0].groups[0]',
    ]);
  });

  it('rejects redefining a built-in policy', () => {
    expect(problemsOf({ policies: { AliyunOSSFullAccess: policy(deny('oss:*')) } })[0].path).toBe(
      'policies.AliyunOSSFullAccess',
    );
  });

  it('rejects duplicate principals, duplicate key ids and two keys with one secret', () => {
    const secret = newSecret();
    const problems = problemsOf({
      principals: [
        { id: 'a', type: 'service', apiKeys: [{ id: 'k1', sha256: sha256Hex(secret) }] },
        { id: 'a', type: 'service' },
        {
          id: 'b',
          type: 'service',
          apiKeys: [
            { id: 'k1', secret: 'another-secret' },
            { id: 'k2', secret },
          ],
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'principals[1].id',
      'principals[2].apiKeys[0].id',
      'principals[2].apiKeys[1]',
    ]);
  });

  it('requires exactly one of sha256 or secret, a real digest and a principal type', () => {
    const problems = problemsOf({
      principals: [
        {
          id: 'a',
          type: 'robot',
          apiKeys: [{ id: 'k1' }, { id: 'k2', sha256: 'abc' }, { id: 'k3', secret: 'short' }],
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'principals[0].type',
      'principals[0].apiKeys[0]',
      'principals[0].apiKeys[1].sha256',
      'principals[0].apiKeys[2].secret',
    ]);
  });

  it('never puts a plain secret into a problem message', () => {
    const problems = problemsOf({
      principals: [{ id: 'a', type: 'service', apiKeys: [{ id: 'k', secret: ' spaced-secret-value ' }] }],
    });
    expect(JSON.stringify(problems)).not.toContain('spaced-secret-value');
  });

  it('validates the jwt settings', () => {
    const problems = problemsOf({
      jwt: { issuer: 'x', jwksUrl: 'ftp://idp/jwks', publicKey: 'nope', algorithms: ['none'] },
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'jwt',
      'jwt.algorithms',
      'jwt.audience',
      'jwt.jwksUrl',
      'jwt.publicKey',
    ]);
  });

  it('pins the algorithms: asymmetric only, and narrowed to what a static public key verifies', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const base = { issuer: 'https://idp', audience: 'gw' };
    const pinned = parse({ jwt: { ...base, publicKey: ec } });
    expect(pinned.ok && pinned.snapshot.jwt?.algorithms).toEqual(['ES384']);
    const jwks = parse({ jwt: { ...base, jwksUrl: 'https://idp/jwks', algorithms: ['RS256', 'EdDSA'] } });
    expect(jwks.ok && jwks.snapshot.jwt?.algorithms).toEqual(['RS256', 'EdDSA']);
    expect(
      problemsOf({ jwt: { ...base, jwksUrl: 'https://idp/jwks', algorithms: ['HS256', 'XS1'] } }).map(
        (p) => p.message,
      ),
    ).toEqual([
      'must not include "HS256": tokens are verified with public keys, never HMAC secrets',
      expect.stringMatching(/^unknown algorithm "XS1" \(one of RS256, .*EdDSA/),
    ]);
    expect(problemsOf({ jwt: { ...base, publicKey: ec, algorithms: ['RS256'] } })).toEqual([
      {
        path: 'jwt.algorithms',
        message: 'none of them verifies with the publicKey, which verifies ES384',
      },
    ]);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    expect(problemsOf({ jwt: { ...base, publicKey: weak } })[0]).toEqual({
      path: 'jwt.publicKey',
      message: 'must be an RSA key of at least 2048 bits (this one has 1024)',
    });
  });

  it('reads jwt.maxLifetime as seconds or a duration with a unit (default 24 h, at most 30 days)', () => {
    const base = { issuer: 'https://idp', audience: 'gw', jwksUrl: 'https://idp/jwks' };
    const lifetime = (maxLifetime?: unknown) => {
      const result = parse({ jwt: { ...base, ...(maxLifetime === undefined ? {} : { maxLifetime }) } });
      return result.ok ? result.snapshot.jwt?.maxLifetimeSeconds : result.problems.map((p) => p.path);
    };
    expect(lifetime()).toBe(86_400);
    expect(lifetime(900)).toBe(900);
    expect(lifetime('90m')).toBe(5_400);
    expect(lifetime('12h')).toBe(43_200);
    expect(lifetime('7d')).toBe(604_800);
    expect(lifetime('31d')).toEqual(['jwt.maxLifetime']);
    expect(lifetime(0)).toEqual(['jwt.maxLifetime']);
    expect(lifetime('soon')).toEqual(['jwt.maxLifetime']);
  });

  it("maps JWT subjects: jwtSubjects of any principal, and a user's own id unless it lists its own", () => {
    const result = parse({
      principals: [
        { id: 'billing-service', type: 'service' },
        { id: 'ci', type: 'role', jwtSubjects: ['repo:org/app'] },
        { id: 'alice', type: 'user' },
        { id: 'bob', type: 'user', jwtSubjects: ['auth0|bob'] },
      ],
    });
    expect(result.ok && [...result.snapshot.jwtSubjects]).toEqual([
      ['repo:org/app', 'ci'],
      ['auth0|bob', 'bob'],
      ['alice', 'alice'],
    ]);
  });

  it('validates jwtSubjects: a list of bounded strings, each mapped once', () => {
    const problems = problemsOf({
      principals: [
        { id: 'a', type: 'service', jwtSubjects: ['shared', 's'.repeat(257), 7] },
        { id: 'b', type: 'service', jwtSubjects: ['shared'] },
        { id: 'c', type: 'service', jwtSubjects: 'c' },
        { id: 'dave', type: 'user' },
        { id: 'e', type: 'service', jwtSubjects: ['dave'] },
      ],
    });
    expect(problems).toEqual([
      {
        path: 'principals[0].jwtSubjects[1]',
        message: 'must be a JWT subject: 1-256 characters, no control characters or surrounding whitespace',
      },
      {
        path: 'principals[0].jwtSubjects[2]',
        message: 'must be a JWT subject: 1-256 characters, no control characters or surrounding whitespace',
      },
      {
        path: 'principals[1].jwtSubjects[0]',
        message: 'JWT subject "shared" is already mapped at principals[0].jwtSubjects[0]',
      },
      { path: 'principals[2].jwtSubjects', message: 'must be a list of JWT subjects, got a string' },
      {
        path: 'principals[4].jwtSubjects[0]',
        message:
          'JWT subject "dave" is the id of the user principal at principals[3], which tokens with that subject act as; give principals[3] its own jwtSubjects (an empty list maps none)',
      },
    ]);
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    expect(problemsOf('principals: [\n')[0].message).toMatch(/not valid YAML/);
    expect(problemsOf('policies: {}\npolicies: {}\n')[0].message).toMatch(/not valid YAML/);
  });

  it('treats an empty file as no principals', () => {
    const result = parse('');
    expect(result.ok && result.snapshot.principals.size).toBe(0);
  });

  it("reads a principal's own rate limits (DESIGN.md §9 rateLimits)", () => {
    const result = parse(`
principals:
  - id: batch-service
    type: service
    rateLimits: { read: 500/s, write: "20/s:burst=40" }
  - id: plain
    type: service
`);
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    expect(result.snapshot.principals.get('batch-service')!.rateLimits).toEqual({
      read: { rate: 500, per: 1, burst: 500, text: '500/s' },
      write: { rate: 20, per: 1, burst: 40, text: '20/s:burst=40' },
    });
    expect(result.snapshot.principals.get('plain')!.rateLimits).toBeUndefined();
  });

  it('names each bad rate limit by its path', () => {
    const problems = problemsOf(`
principals:
  - id: a
    type: service
    rateLimits: { read: 500/d, anonymous: 5/s, write: 10, simulate: "5/s:burst=1" }
  - id: b
    type: service
    rateLimits: [read]
`);
    expect(problems).toEqual([
      {
        path: 'principals[0].rateLimits.anonymous',
        message: 'is not a known element here (allowed: read, write, simulate)',
      },
      { path: 'principals[0].rateLimits.read', message: '"500/d": unit "d" must be s, m or h' },
      {
        path: 'principals[0].rateLimits.write',
        message: 'must be a string: N/unit[:burst=M] with unit s, m or h (e.g. 100/s:burst=200)',
      },
      {
        path: 'principals[0].rateLimits.simulate',
        message: '"5/s:burst=1": burst must be at least the rate (5)',
      },
      {
        path: 'principals[1].rateLimits',
        message:
          'must be a mapping of class to N/unit[:burst=M] with unit s, m or h (e.g. 100/s:burst=200), got an array',
      },
    ]);
  });
});
