import { ErrorCode } from './error-code.js';

/** One problem with one input field: `field` is a dotted path (`destination.location`, `prefixes[3]`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** What OSS said, kept verbatim for support tickets. */
export interface OssErrorDetails {
  code: string;
  message: string;
  requestId?: string;
  ec?: string;
  hostId?: string;
  status?: number;
  /** OSS's own `<AccessDeniedDetail>` (why OSS denied the gateway), keys in camelCase: `authAction`, `noPermissionType`, … */
  accessDeniedDetail?: Record<string, string>;
}

export interface AuthorizationDetails {
  decision: 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';
  action: string;
  resource: string;
  matchedStatements: Array<{ policy: string; statement: number; sid?: string; effect: 'Allow' | 'Deny' }>;
  missingContextKeys?: string[];
}

export interface DomainErrorDetails {
  errors?: FieldProblem[];
  authorization?: AuthorizationDetails;
  oss?: OssErrorDetails;
  [extra: string]: unknown;
}

/**
 * The only error type services throw. Transports render it through the one mapping table;
 * no service ever throws an HTTP exception.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }

  static validation(errors: FieldProblem[], message = 'The request is not valid.'): DomainError {
    return new DomainError(ErrorCode.ValidationFailed, message, { errors });
  }
}

export { ErrorCode };
