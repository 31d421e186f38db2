import { resolveOperator, type CompiledCondition } from './conditions/index.js';
import type { Effect, PolicyDocument, PolicyProblem, PolicyStatement } from './types.js';

/** RAM's limit on a policy document (CreatePolicy / CreatePolicyVersion), in characters. */
export const MAX_POLICY_DOCUMENT_LENGTH = 6144;
/** Raw JSON text longer than this is refused before parsing, whatever its whitespace. */
const MAX_RAW_INPUT_LENGTH = 64 * 1024;

const DOCUMENT_ELEMENTS = new Set(['Version', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const ACTION_PATTERN = /^(?:\*|[^\s:]+:\S+)$/;

/** A statement after validation: single values widened to arrays, conditions compiled. */
export interface NormalizedStatement {
  index: number;
  sid: string | undefined;
  effect: Effect;
  actions: string[] | undefined;
  notActions: string[] | undefined;
  resources: string[] | undefined;
  notResources: string[] | undefined;
  conditions: CompiledCondition[];
}

export interface AnalysedPolicy {
  /** The document in canonical form: `Statement`, `Action`, `Resource` and condition values as arrays. */
  document: PolicyDocument;
  statements: NormalizedStatement[];
}

export type PolicyParseResult =
  { ok: true; document: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a.b`, or `a["acs:SourceIp"]` when the name is not a plain identifier. */
function child(path: string, name: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
  return path === '' ? (segment.startsWith('.') ? name : segment) : `${path}${segment}`;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Counts a document the way its stored form would be measured: the characters (code points) of its
 * compact JSON serialisation, so whitespace between tokens never counts and JSON text, YAML and objects
 * are measured alike.
 */
export function policyDocumentLength(document: unknown): number {
  const compact = JSON.stringify(document) ?? '';
  return compact.length <= MAX_POLICY_DOCUMENT_LENGTH ? compact.length : [...compact].length;
}

class Collector {
  readonly problems: PolicyProblem[] = [];
  add(path: string, message: string): void {
    this.problems.push({ path: path === '' ? '$' : path, message });
  }
}

function stringList(
  value: unknown,
  path: string,
  out: Collector,
  check: (s: string) => string | undefined,
): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) {
    out.add(path, 'must not be an empty array');
    return undefined;
  }
  const result: string[] = [];
  let ok = true;
  items.forEach((item: unknown, i) => {
    const itemPath = Array.isArray(value) ? `${path}[${i}]` : path;
    if (typeof item !== 'string' || item === '') {
      out.add(
        itemPath,
        `must be a non-empty string, got ${typeof item === 'string' ? 'an empty string' : describe(item)}`,
      );
      ok = false;
      return;
    }
    const problem = check(item);
    if (problem !== undefined) {
      out.add(itemPath, problem);
      ok = false;
      return;
    }
    result.push(item);
  });
  return ok ? result : undefined;
}

function checkConditionKey(key: string): string | undefined {
  if (key === '') {
    return 'condition key must not be empty';
  }
  return key.trim() === key ? undefined : 'condition key must not start or end with whitespace';
}

function checkAction(value: string): string | undefined {
  return ACTION_PATTERN.test(value)
    ? undefined
    : `"${value}" is not an action: use "<service>:<ActionName>" or "*"`;
}

function checkResource(value: string): string | undefined {
  return value.trim() === value ? undefined : 'must not start or end with whitespace';
}

function pair(
  statement: Record<string, unknown>,
  path: string,
  positive: 'Action' | 'Resource',
  negative: 'NotAction' | 'NotResource',
  out: Collector,
  check: (s: string) => string | undefined,
): { list: string[] | undefined; notList: string[] | undefined; ok: boolean } {
  const hasPositive = positive in statement;
  const hasNegative = negative in statement;
  if (hasPositive && hasNegative) {
    out.add(path, `has both ${positive} and ${negative}; use exactly one`);
    return { list: undefined, notList: undefined, ok: false };
  }
  if (!hasPositive && !hasNegative) {
    out.add(child(path, positive), `is required (or ${negative})`);
    return { list: undefined, notList: undefined, ok: false };
  }
  const name = hasPositive ? positive : negative;
  const list = stringList(statement[name], child(path, name), out, check);
  return hasPositive
    ? { list, notList: undefined, ok: list !== undefined }
    : { list: undefined, notList: list, ok: list !== undefined };
}

function conditionValues(value: unknown, path: string, out: Collector): string[] | undefined {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (Array.isArray(value) && value.length === 0) {
    out.add(path, 'must list at least one value');
    return undefined;
  }
  const result: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    if (
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item))
    ) {
      result.push(String(item));
    } else {
      out.add(
        Array.isArray(value) ? `${path}[${i}]` : path,
        `must be a string, number or boolean, got ${describe(item)}`,
      );
      ok = false;
    }
  });
  return ok ? result : undefined;
}

function analyseConditions(
  raw: unknown,
  path: string,
  out: Collector,
): { conditions: CompiledCondition[]; canonical: Record<string, Record<string, string[]>> } | undefined {
  if (!isRecord(raw)) {
    out.add(path, `must be an object of operators, got ${describe(raw)}`);
    return undefined;
  }
  const conditions: CompiledCondition[] = [];
  const canonical: Record<string, Record<string, string[]>> = {};
  let ok = true;
  for (const [operatorName, block] of Object.entries(raw)) {
    const operatorPath = child(path, operatorName);
    const resolved = resolveOperator(operatorName);
    if (typeof resolved === 'string') {
      out.add(operatorPath, resolved);
      ok = false;
      continue;
    }
    if (!isRecord(block)) {
      out.add(operatorPath, `must be an object of condition keys, got ${describe(block)}`);
      ok = false;
      continue;
    }
    const keys = Object.entries(block);
    if (keys.length === 0) {
      out.add(operatorPath, 'must name at least one condition key');
      ok = false;
      continue;
    }
    const canonicalBlock: Record<string, string[]> = {};
    for (const [key, rawValues] of keys) {
      const keyPath = child(operatorPath, key);
      const keyProblem = checkConditionKey(key);
      if (keyProblem !== undefined) {
        out.add(keyPath, keyProblem);
        ok = false;
        continue;
      }
      const values = conditionValues(rawValues, keyPath, out);
      if (values === undefined) {
        ok = false;
        continue;
      }
      const compiled = resolved.operator.compile(values);
      if (!compiled.ok) {
        for (const problem of compiled.problems) {
          out.add(Array.isArray(rawValues) ? `${keyPath}[${problem.index}]` : keyPath, problem.message);
        }
        ok = false;
        continue;
      }
      canonicalBlock[key] = values;
      conditions.push({
        operatorName,
        key,
        keyLower: key.toLowerCase(),
        qualifier: resolved.qualifier,
        ifExists: resolved.ifExists,
        negated: resolved.operator.negated,
        matcher: compiled.matcher,
      });
    }
    canonical[operatorName] = canonicalBlock;
  }
  return ok ? { conditions, canonical } : undefined;
}

function analyseStatement(
  raw: unknown,
  index: number,
  out: Collector,
): { statement: NormalizedStatement; canonical: PolicyStatement } | undefined {
  const path = `Statement[${index}]`;
  if (!isRecord(raw)) {
    out.add(path, `must be an object, got ${describe(raw)}`);
    return undefined;
  }
  let ok = true;
  for (const name of Object.keys(raw)) {
    if (!STATEMENT_ELEMENTS.has(name)) {
      out.add(
        child(path, name),
        name === 'Principal'
          ? 'Principal belongs to resource-based policies; a RAM identity policy must not have it'
          : `unknown element "${name}" (element names are case-sensitive)`,
      );
      ok = false;
    }
  }
  let sid: string | undefined;
  if ('Sid' in raw) {
    if (typeof raw.Sid === 'string' && raw.Sid !== '') {
      sid = raw.Sid;
    } else {
      out.add(child(path, 'Sid'), 'must be a non-empty string');
      ok = false;
    }
  }
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    out.add(
      child(path, 'Effect'),
      effect === undefined
        ? 'is required ("Allow" or "Deny")'
        : `must be exactly "Allow" or "Deny", got ${typeof effect === 'string' ? JSON.stringify(effect) : describe(effect)}`,
    );
    ok = false;
  }
  const actions = pair(raw, path, 'Action', 'NotAction', out, checkAction);
  const resources = pair(raw, path, 'Resource', 'NotResource', out, checkResource);
  let conditions: CompiledCondition[] = [];
  let canonicalCondition: Record<string, Record<string, string[]>> | undefined;
  if ('Condition' in raw) {
    const analysed = analyseConditions(raw.Condition, child(path, 'Condition'), out);
    if (analysed) {
      conditions = analysed.conditions;
      canonicalCondition = analysed.canonical;
    } else {
      ok = false;
    }
  }
  if (!ok || !actions.ok || !resources.ok || (effect !== 'Allow' && effect !== 'Deny')) {
    return undefined;
  }
  const canonical: PolicyStatement = { Effect: effect };
  if (sid !== undefined) {
    canonical.Sid = sid;
  }
  if (actions.list) {
    canonical.Action = actions.list;
  }
  if (actions.notList) {
    canonical.NotAction = actions.notList;
  }
  if (resources.list) {
    canonical.Resource = resources.list;
  }
  if (resources.notList) {
    canonical.NotResource = resources.notList;
  }
  if (canonicalCondition) {
    canonical.Condition = canonicalCondition;
  }
  return {
    statement: {
      index,
      sid,
      effect,
      actions: actions.list,
      notActions: actions.notList,
      resources: resources.list,
      notResources: resources.notList,
      conditions,
    },
    canonical,
  };
}

/**
 * Validates a RAM identity policy given as JSON text or as an already-parsed value, and compiles its
 * conditions. Every problem is reported (not just the first), each with the path of the offending element.
 */
export function analysePolicy(
  input: unknown,
): { ok: true; policy: AnalysedPolicy } | { ok: false; problems: PolicyProblem[] } {
  const out = new Collector();
  let value: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_RAW_INPUT_LENGTH) {
      out.add('', `is longer than ${MAX_RAW_INPUT_LENGTH} characters of JSON text`);
      return { ok: false, problems: out.problems };
    }
    try {
      value = JSON.parse(input);
    } catch (error) {
      out.add('', `is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`);
      return { ok: false, problems: out.problems };
    }
  }
  if (!isRecord(value)) {
    out.add('', `must be a JSON object, got ${describe(value)}`);
    return { ok: false, problems: out.problems };
  }
  let length: number;
  try {
    length = policyDocumentLength(value);
  } catch {
    out.add('', 'cannot be serialised as JSON');
    return { ok: false, problems: out.problems };
  }
  if (length > MAX_POLICY_DOCUMENT_LENGTH) {
    out.add(
      '',
      `is ${length} characters long (whitespace excluded); RAM allows at most ${MAX_POLICY_DOCUMENT_LENGTH}`,
    );
    return { ok: false, problems: out.problems };
  }
  for (const name of Object.keys(value)) {
    if (!DOCUMENT_ELEMENTS.has(name)) {
      out.add(child('', name), `unknown element "${name}" (element names are case-sensitive)`);
    }
  }
  if (!('Version' in value)) {
    out.add('Version', 'is required and must be "1"');
  } else if (value.Version !== '1') {
    out.add(
      'Version',
      `must be the string "1", got ${JSON.stringify(value.Version) ?? describe(value.Version)}`,
    );
  }
  const statements: NormalizedStatement[] = [];
  const canonicalStatements: PolicyStatement[] = [];
  if (!('Statement' in value)) {
    out.add('Statement', 'is required');
  } else {
    const raw = value.Statement;
    const list: unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [raw];
    if (list.length === 0) {
      out.add('Statement', 'must contain at least one statement');
    }
    list.forEach((item, index) => {
      const analysed = analyseStatement(item, index, out);
      if (analysed) {
        statements.push(analysed.statement);
        canonicalStatements.push(analysed.canonical);
      }
    });
  }
  if (out.problems.length > 0) {
    return { ok: false, problems: out.problems };
  }
  return { ok: true, policy: { document: { Version: '1', Statement: canonicalStatements }, statements } };
}

/**
 * Parses and validates a RAM policy document (JSON text or a parsed value). On success the document comes
 * back in canonical form (arrays everywhere); otherwise every problem with its path
 * (`Statement[2].Condition.IpAddress`). The document root is reported as `$`.
 */
export function parsePolicyDocument(input: unknown): PolicyParseResult {
  const result = analysePolicy(input);
  return result.ok ? { ok: true, document: result.policy.document } : result;
}

/** The problems of a document; empty when it is valid. */
export function validatePolicyDocument(input: unknown): PolicyProblem[] {
  const result = analysePolicy(input);
  return result.ok ? [] : result.problems;
}
