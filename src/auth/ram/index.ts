/**
 * RAM policy engine: pure TypeScript (no Nest, no I/O, no clock). parse/validate → compile → evaluate.
 *
 * Decisions where RAM is silent (DESIGN.md §3 and this module):
 * - Length limit: 6,144 characters of the compact JSON (whitespace between tokens not counted; code points).
 * - `Sid` is accepted (optional, non-empty string) and reported in decisions; `Principal` is refused.
 * - Actions must be `*` or `<service>:<name>`; an empty list, an operator with no keys, an empty value list
 *   are refused. `IpAddressIncludeBorder` and `Null` are refused (unknown semantics / not RAM).
 * - Condition values may be strings, numbers or booleans (converted to strings).
 * - Dates: ISO-8601 with `Z`/offset, date-only (midnight UTC) or epoch seconds; a date-time without an
 *   offset is refused in policies and matches nothing in requests; millisecond precision.
 * - A request value of the wrong type (non-number for Numeric, malformed address) matches no policy value,
 *   so a negated operator holds for it. A plain operator needs exactly one request value (else false,
 *   negated or not). `ForAllValues` is true for a missing key or `[]`; `ForAnyValue` false.
 * - IP: no cross-family matches, including IPv4-mapped IPv6; transports should pass `canonicalSourceIp()`.
 * - Context keys are case-insensitive; two keys differing only in case throw `InvalidContextError`.
 */
export * from './types.js';
export {
  GATEWAY_ACTIONS,
  GATEWAY_RESOURCE,
  GatewayAction,
  OssAction,
  REPLICATION_ACTIONS,
  bucketArn,
} from './actions.js';
export {
  AliyunOSSFullAccess,
  AliyunOSSReadOnlyAccess,
  BUILTIN_POLICIES,
  GatewayAdministratorAccess,
  isBuiltinPolicyName,
  type BuiltinPolicyName,
} from './builtin-policies.js';
export {
  MAX_POLICY_DOCUMENT_LENGTH,
  parsePolicyDocument,
  policyDocumentLength,
  validatePolicyDocument,
  type PolicyParseResult,
} from './policy.js';
export { CompiledPolicySet, PolicyValidationError, compilePolicies } from './compile.js';
export { InvalidContextError, couldAllow, evaluate } from './evaluate.js';
export { canonicalSourceIp } from './conditions/ip.js';
