import { parseDocument } from 'yaml';
import type { OssCredentialsConfig } from './app.config.js';

/**
 * One OSS account the gateway manages (DESIGN §11). Without GATEWAY_ACCOUNTS_FILE the single account of
 * `OSS_*` is `default`; with the file, its accounts in order (the first is the default: buckets no
 * account lists are its).
 */
export interface AccountConfig {
  /** The account's id in the fleet (`account` of a FleetRule): the file's `id`, or `default`. */
  readonly id: string;
  readonly name: string;
  /** The account id in resource ARNs (`acs:oss:{region}:{accountId}:{bucket}`): the file's `id`, or `OSS_ACCOUNT_ID`. */
  readonly arnAccountId: string;
  /** `cn-hangzhou` form. */
  readonly region: string;
  readonly endpoint?: string;
  /** Resolved from the variables the file names; undefined for `default` (it uses `config.oss.credentials`). */
  readonly credentials?: Readonly<OssCredentialsConfig>;
}

export interface AccountsFileProblem {
  path: string;
  message: string;
}

export type AccountsFileResult =
  { ok: true; accounts: AccountConfig[] } | { ok: false; problems: AccountsFileProblem[] };

const MAX_FILE_CHARS = 1024 * 1024;
const MAX_ACCOUNTS = 100;
const ACCOUNT_KEYS = new Set(['id', 'name', 'credentials', 'region', 'endpoint']);
const CREDENTIAL_KEYS = new Set(['accessKeyIdEnv', 'accessKeySecretEnv', 'sessionTokenEnv']);
/** Inline credentials, refused: the file names environment variables, never holds a secret. */
const INLINE_CREDENTIALS: Readonly<Record<string, string>> = {
  accessKeyId: 'accessKeyIdEnv',
  accessKeySecret: 'accessKeySecretEnv',
  secret: 'accessKeySecretEnv',
  sessionToken: 'sessionTokenEnv',
  securityToken: 'sessionTokenEnv',
};
/** The same rule as OSS_ACCOUNT_ID: the id is the account's, as ARNs name it. */
const ACCOUNT_ID = /^\d{1,32}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const CONVENTIONAL_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const REGION = /^(oss-)?[a-z]{2}(-[a-z0-9]+)+$/;
const MAX_NAME = 128;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function isEndpoint(value: string): boolean {
  const withScheme = /^https?:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    return url.hostname !== '' && (url.pathname === '/' || url.pathname === '') && url.search === '';
  } catch {
    return false;
  }
}

/**
 * Parses and validates the accounts file (YAML, or JSON by its `.json` name): every problem at once,
 * each with its path in the file (`accounts[1].credentials.accessKeySecretEnv`). Credentials come only
 * from the environment variables the file names (`env`); an inline key or secret is refused, and no
 * message ever shows a variable's value.
 */
export function parseAccountsFile(
  text: string,
  fileName: string,
  env: Readonly<Record<string, string | undefined>>,
): AccountsFileResult {
  const problems: AccountsFileProblem[] = [];
  const add: Add = (path, message) => {
    problems.push({ path, message });
  };
  const root = parseText(text, fileName, add);
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  if (!isRecord(root)) {
    add('$', `must be a mapping with the key "accounts", got ${describeType(root)}`);
    return { ok: false, problems };
  }
  for (const key of Object.keys(root)) {
    if (key !== 'accounts') {
      add(key, 'is not a known element here (allowed: accounts)');
    }
  }
  const list = root.accounts;
  if (!Array.isArray(list)) {
    add('accounts', list === undefined ? 'is required' : `must be a list, got ${describeType(list)}`);
    return { ok: false, problems };
  }
  if (list.length === 0) {
    add('accounts', 'must list at least one account');
  } else if (list.length > MAX_ACCOUNTS) {
    add('accounts', `lists ${list.length} accounts; at most ${MAX_ACCOUNTS} are allowed`);
  }
  const accounts: AccountConfig[] = [];
  const seen = new Map<string, number>();
  list.slice(0, MAX_ACCOUNTS).forEach((entry: unknown, i) => {
    const before = problems.length;
    const account = parseAccount(entry, `accounts[${i}]`, env, add);
    if (problems.length > before) {
      return;
    }
    if (account === undefined) {
      return;
    }
    const first = seen.get(account.id);
    if (first !== undefined) {
      add(`accounts[${i}].id`, `"${account.id}" is already the id of accounts[${first}]`);
      return;
    }
    seen.set(account.id, i);
    accounts.push(account);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, accounts };
}

type Add = (path: string, message: string) => void;

function parseText(text: string, fileName: string, add: Add): unknown {
  if (text.length > MAX_FILE_CHARS) {
    add('$', `the file is larger than ${MAX_FILE_CHARS} characters`);
    return undefined;
  }
  if (fileName.toLowerCase().endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      add('$', `is not valid JSON: ${(error as Error).message}`);
      return undefined;
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      add('$', `is not valid YAML: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function parseAccount(
  entry: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  add: Add,
): AccountConfig | undefined {
  if (!isRecord(entry)) {
    add(path, `must be a mapping (id, name, credentials, region, endpoint), got ${describeType(entry)}`);
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if (!ACCOUNT_KEYS.has(key)) {
      add(`${path}.${key}`, `is not a known element here (allowed: ${[...ACCOUNT_KEYS].join(', ')})`);
    }
  }
  const { id, name, region, endpoint } = entry;
  if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) {
    add(
      `${path}.id`,
      id === undefined
        ? 'is required: the numeric OSS account id (as resource ARNs name it)'
        : 'must be the numeric OSS account id (1-32 digits, as a string), as resource ARNs name it',
    );
  }
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) {
    add(
      `${path}.name`,
      name === undefined ? 'is required' : `must be a non-empty string of at most ${MAX_NAME} characters`,
    );
  }
  if (typeof region !== 'string' || !REGION.test(region)) {
    add(
      `${path}.region`,
      region === undefined ? 'is required (e.g. cn-hangzhou)' : 'must be an OSS region such as cn-hangzhou',
    );
  }
  if (endpoint !== undefined && (typeof endpoint !== 'string' || !isEndpoint(endpoint))) {
    add(`${path}.endpoint`, 'must be host[:port] or http(s)://host[:port]');
  }
  const credentials = parseCredentials(entry.credentials, `${path}.credentials`, env, add);
  if (credentials === undefined) {
    return undefined;
  }
  return {
    id: id as string,
    name: name as string,
    arnAccountId: id as string,
    region: (region as string).replace(/^oss-/, ''),
    ...(typeof endpoint === 'string' ? { endpoint } : {}),
    credentials,
  };
}

function parseCredentials(
  value: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  add: Add,
): OssCredentialsConfig | undefined {
  if (!isRecord(value)) {
    add(
      path,
      value === undefined
        ? 'is required: {accessKeyIdEnv, accessKeySecretEnv, sessionTokenEnv?}, the names of environment variables'
        : `must be a mapping {accessKeyIdEnv, accessKeySecretEnv, sessionTokenEnv?}, got ${describeType(value)}`,
    );
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    const named = INLINE_CREDENTIALS[key];
    if (named !== undefined) {
      add(
        `${path}.${key}`,
        `inline credentials are refused: put the value in an environment variable and give that variable's name in ${named}`,
      );
      ok = false;
    } else if (!CREDENTIAL_KEYS.has(key)) {
      add(`${path}.${key}`, `is not a known element here (allowed: ${[...CREDENTIAL_KEYS].join(', ')})`);
      ok = false;
    }
  }
  const read = (key: string, required: boolean): string | undefined => {
    const name = value[key];
    if (name === undefined) {
      // Given inline instead: that is reported once, above.
      const inline = Object.keys(value).some((k) => INLINE_CREDENTIALS[k] === key);
      if (required && !inline) {
        add(`${path}.${key}`, 'is required: the name of the environment variable that holds it');
      }
      ok = ok && !required;
      return undefined;
    }
    if (typeof name !== 'string' || !ENV_NAME.test(name)) {
      // Never echo the value: it may be the secret itself, pasted in the wrong place.
      add(
        `${path}.${key}`,
        'must be the NAME of an environment variable (letters, digits, _), not a credential',
      );
      ok = false;
      return undefined;
    }
    const set = env[name];
    if (set === undefined || set === '') {
      add(
        `${path}.${key}`,
        CONVENTIONAL_ENV_NAME.test(name)
          ? `names the environment variable ${name}, which is not set`
          : 'names an environment variable that is not set (is this the credential itself? give the name of the variable that holds it)',
      );
      ok = false;
      return undefined;
    }
    return set;
  };
  const accessKeyId = read('accessKeyIdEnv', true);
  const accessKeySecret = read('accessKeySecretEnv', true);
  const securityToken = read('sessionTokenEnv', false);
  if (!ok || accessKeyId === undefined || accessKeySecret === undefined) {
    return undefined;
  }
  return securityToken !== undefined
    ? { accessKeyId, accessKeySecret, securityToken }
    : { accessKeyId, accessKeySecret };
}
