import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAccountsFile } from './accounts-file.js';
import { buildAppConfig, redactConfig } from './app.config.js';
import { ConfigValidationError } from './env.schema.js';

const ENV = {
  PROD_AK: 'LTAIprodKeyId',
  PROD_SK: 'prod-secret-value',
  DR_AK: 'LTAIdrKeyId',
  DR_SK: 'dr-secret-value',
  DR_TOKEN: 'dr-sts-token',
};

const GOOD = `
accounts:
  - id: "1234567890123456"
    name: production
    region: cn-hangzhou
    credentials: { accessKeyIdEnv: PROD_AK, accessKeySecretEnv: PROD_SK }
  - id: "6543210987654321"
    name: disaster recovery
    region: oss-cn-beijing
    endpoint: https://oss-cn-beijing.aliyuncs.com
    credentials:
      accessKeyIdEnv: DR_AK
      accessKeySecretEnv: DR_SK
      sessionTokenEnv: DR_TOKEN
`;

function problemsOf(text: string, env: Record<string, string> = ENV): string[] {
  const result = parseAccountsFile(text, 'accounts.yaml', env);
  if (result.ok) {
    throw new Error('expected problems');
  }
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe(parseAccountsFile.name, () => {
  it('reads the accounts in order, credentials from the variables they name', () => {
    const result = parseAccountsFile(GOOD, 'accounts.yaml', ENV);
    expect(result).toEqual({
      ok: true,
      accounts: [
        {
          id: '1234567890123456',
          name: 'production',
          arnAccountId: '1234567890123456',
          region: 'cn-hangzhou',
          credentials: { accessKeyId: 'LTAIprodKeyId', accessKeySecret: 'prod-secret-value' },
        },
        {
          id: '6543210987654321',
          name: 'disaster recovery',
          arnAccountId: '6543210987654321',
          region: 'cn-beijing',
          endpoint: 'https://oss-cn-beijing.aliyuncs.com',
          credentials: {
            accessKeyId: 'LTAIdrKeyId',
            accessKeySecret: 'dr-secret-value',
            securityToken: 'dr-sts-token',
          },
        },
      ],
    });
  });

  it('refuses an inline secret, naming the field to use instead, and never shows the secret', () => {
    const problems = problemsOf(`
accounts:
  - id: "1234567890123456"
    name: p
    region: cn-hangzhou
    credentials: { accessKeyIdEnv: PROD_AK, accessKeySecret: "s3cr3t-inline" }
`);
    expect(problems).toEqual([
      "accounts[0].credentials.accessKeySecret: inline credentials are refused: put the value in an environment variable and give that variable's name in accessKeySecretEnv",
    ]);
    expect(problems.join('\n')).not.toContain('s3cr3t-inline');
  });

  it('refuses a secret pasted where a variable name belongs, without echoing it', () => {
    const problems = problemsOf(`
accounts:
  - id: "1234567890123456"
    name: p
    region: cn-hangzhou
    credentials: { accessKeyIdEnv: PROD_AK, accessKeySecretEnv: "abc+/def==" }
`);
    expect(problems).toEqual([
      'accounts[0].credentials.accessKeySecretEnv: must be the NAME of an environment variable (letters, digits, _), not a credential',
    ]);
  });

  it('names every problem of every account by its path', () => {
    const problems = problemsOf(`
accounts:
  - id: prod
    region: somewhere
    endpoint: "http://x/y?z"
    colour: blue
    credentials: { accessKeyIdEnv: MISSING_AK, accessKeySecretEnv: PROD_SK, token: x }
  - id: "1234567890123456"
    name: a
    region: cn-hangzhou
    credentials: { accessKeyIdEnv: PROD_AK, accessKeySecretEnv: PROD_SK }
  - id: "1234567890123456"
    name: b
    region: cn-hangzhou
    credentials: { accessKeyIdEnv: PROD_AK, accessKeySecretEnv: PROD_SK }
  - just-a-string
extra: 1
`);
    expect(problems).toEqual([
      'extra: is not a known element here (allowed: accounts)',
      'accounts[0].colour: is not a known element here (allowed: id, name, credentials, region, endpoint)',
      'accounts[0].id: must be the numeric OSS account id (1-32 digits, as a string), as resource ARNs name it',
      'accounts[0].name: is required',
      'accounts[0].region: must be an OSS region such as cn-hangzhou',
      'accounts[0].endpoint: must be host[:port] or http(s)://host[:port]',
      'accounts[0].credentials.token: is not a known element here (allowed: accessKeyIdEnv, accessKeySecretEnv, sessionTokenEnv)',
      'accounts[0].credentials.accessKeyIdEnv: names the environment variable MISSING_AK, which is not set',
      'accounts[2].id: "1234567890123456" is already the id of accounts[1]',
      'accounts[3]: must be a mapping (id, name, credentials, region, endpoint), got a string',
    ]);
  });

  it.each([
    ['an empty list', 'accounts: []', 'accounts: must list at least one account'],
    ['no accounts key', 'other: 1', 'other: is not a known element here (allowed: accounts)'],
    ['a list at the top', '- 1', '$: must be a mapping with the key "accounts", got an array'],
    ['invalid YAML', 'accounts: [', '$: is not valid YAML'],
  ])('refuses %s', (_what, text, expected) => {
    expect(problemsOf(text).some((p) => p.startsWith(expected))).toBe(true);
  });

  it('requires both key variables', () => {
    expect(
      problemsOf(`
accounts:
  - { id: "1", name: n, region: cn-hangzhou, credentials: {} }
`),
    ).toEqual([
      'accounts[0].credentials.accessKeyIdEnv: is required: the name of the environment variable that holds it',
      'accounts[0].credentials.accessKeySecretEnv: is required: the name of the environment variable that holds it',
    ]);
  });
});

describe('GATEWAY_ACCOUNTS_FILE in the configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accounts-file-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('without the file, the one account is `default` with OSS_ACCOUNT_ID for ARNs', () => {
    const config = buildAppConfig({ OSS_ACCOUNT_ID: '1111222233334444', OSS_REGION: 'oss-cn-shanghai' });
    expect(config.accounts).toEqual({
      list: [{ id: 'default', name: 'default', arnAccountId: '1111222233334444', region: 'cn-shanghai' }],
    });
  });

  it("with the file, the first account is the client's: upstream mode, its keys, region and ARN id", () => {
    const file = write('good.yaml', GOOD);
    const config = buildAppConfig({
      ...ENV,
      GATEWAY_ACCOUNTS_FILE: file,
      OSS_ENDPOINT: 'http://127.0.0.1:9',
    });
    expect(config.mode).toBe('upstream');
    expect(config.oss.credentials).toEqual({
      accessKeyId: 'LTAIprodKeyId',
      accessKeySecret: 'prod-secret-value',
    });
    expect(config.oss.accountId).toBe('1234567890123456');
    expect(config.oss.region).toBe('cn-hangzhou');
    expect(config.oss.endpoint).toBe('http://127.0.0.1:9');
    expect(config.accounts.list.map((a) => [a.id, a.endpoint])).toEqual([
      ['1234567890123456', 'http://127.0.0.1:9'],
      ['6543210987654321', 'https://oss-cn-beijing.aliyuncs.com'],
    ]);
    expect(JSON.stringify(redactConfig(config))).not.toMatch(
      /prod-secret-value|dr-secret-value|dr-sts-token/,
    );
  });

  it('refuses a bad file with every problem named under one heading', () => {
    const file = write('bad.yaml', 'accounts:\n  - { id: x }\n');
    let thrown: unknown;
    try {
      buildAppConfig({ GATEWAY_ACCOUNTS_FILE: file });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigValidationError);
    const message = (thrown as Error).message;
    expect(message).toContain(`Invalid accounts file ${file} (GATEWAY_ACCOUNTS_FILE):`);
    expect(message).toContain('  - accounts[0].id: must be the numeric OSS account id');
    expect(message).toContain('  - accounts[0].credentials: is required');
  });

  it('refuses a file that cannot be read', () => {
    expect(() => buildAppConfig({ GATEWAY_ACCOUNTS_FILE: join(dir, 'absent.yaml') })).toThrow(
      /GATEWAY_ACCOUNTS_FILE\):\n {2}- \$: cannot be read/,
    );
  });
});
