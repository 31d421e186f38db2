import { applyDecorators } from '@nestjs/common';
import { PUBLIC_ERROR_CODES } from './error-code.js';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/** One problem with one input field (validation and pre-flight). */
export class ProblemFieldError {
  @ApiProperty({ description: 'Dotted path of the field.', example: 'destination.location' })
  field!: string;

  @ApiProperty({
    description: 'What is wrong with it.',
    example: 'destination.location must be an OSS location such as oss-cn-beijing',
  })
  message!: string;

  @ApiPropertyOptional({
    description: 'Machine-readable reason (pre-flight findings).',
    example: 'RtcNotSupported',
  })
  code?: string;
}

/** What OSS answered, verbatim, for support tickets. */
export class ProblemOssDetails {
  @ApiProperty({ description: 'OSS error code.', example: 'NoSuchBucket' })
  code!: string;

  @ApiProperty({ description: 'OSS error message.', example: 'The specified bucket does not exist.' })
  message!: string;

  @ApiPropertyOptional({
    description: 'OSS request id (x-oss-request-id).',
    example: '5C3D9175B6FC201293AD4890',
  })
  requestId?: string;

  @ApiPropertyOptional({ description: 'OSS fine-grained error code (EC).', example: '0015-00000101' })
  ec?: string;

  @ApiPropertyOptional({
    description: 'OSS host that answered.',
    example: 'demo-source.oss-cn-hangzhou.aliyuncs.com',
  })
  hostId?: string;

  @ApiPropertyOptional({ description: 'HTTP status OSS answered with.', example: 404 })
  status?: number;

  @ApiPropertyOptional({
    description:
      'Why OSS itself denied the request: the children of its `AccessDeniedDetail`, keys in camelCase ' +
      '(`policyType`, `authAction`, `noPermissionType`, `authPrincipalType`, `encodedDiagnosticMessage`, …).',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: {
      policyType: 'AccountLevelIdentityBasedPolicy',
      authAction: 'oss:GetBucketReplication',
      noPermissionType: 'ImplicitDeny',
    },
  })
  accessDeniedDetail?: Record<string, string>;
}

export class ProblemMatchedStatement {
  @ApiProperty({ description: 'Policy name (or index of an inline policy).', example: 'ReplicationReadOnly' })
  policy!: string;

  @ApiProperty({ description: 'Index of the statement in the policy.', example: 0 })
  statement!: number;

  @ApiPropertyOptional({ description: 'Statement Sid, when it has one.' })
  sid?: string;

  @ApiProperty({ description: 'Effect of the statement.', enum: ['Allow', 'Deny'], enumName: 'PolicyEffect' })
  effect!: 'Allow' | 'Deny';
}

/** Why the gateway refused the caller (403). */
export class ProblemAuthorization {
  @ApiProperty({
    description: 'The decision.',
    enum: ['Allow', 'ImplicitDeny', 'ExplicitDeny'],
    enumName: 'AuthorizationDecision',
    example: 'ImplicitDeny',
  })
  decision!: 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

  @ApiProperty({ description: 'The RAM action that was evaluated.', example: 'oss:PutBucketRtc' })
  action!: string;

  @ApiProperty({
    description: 'The resource it was evaluated on.',
    example: 'acs:oss:cn-hangzhou:1234567890123456:demo-source',
  })
  resource!: string;

  @ApiProperty({
    description: 'The statements that decided it (empty for an implicit deny).',
    type: [ProblemMatchedStatement],
  })
  matchedStatements!: ProblemMatchedStatement[];

  @ApiPropertyOptional({
    description: 'Condition keys a statement needed but the request lacked.',
    type: [String],
  })
  missingContextKeys?: string[];
}

/** RFC 9457 problem details, as every REST error is rendered (`application/problem+json`). */
export class Problem {
  @ApiProperty({
    description: 'URI identifying the problem type.',
    example: 'https://oss-replication-gateway.dev/problems/bucket-not-found',
  })
  type!: string;

  @ApiProperty({ description: 'Short summary of the problem type.', example: 'Bucket not found' })
  title!: string;

  @ApiProperty({ description: 'HTTP status.', example: 404 })
  status!: number;

  @ApiProperty({
    description: 'Explanation of this occurrence.',
    example: 'The specified bucket does not exist.',
  })
  detail!: string;

  @ApiProperty({
    description: 'Transport-neutral code (GraphQL `extensions.code`).',
    enum: [...PUBLIC_ERROR_CODES],
    enumName: 'ProblemCode',
    example: 'NOT_FOUND',
  })
  code!: string;

  @ApiProperty({ description: 'Gateway error code (finer than `code`).', example: 'BucketNotFound' })
  reason!: string;

  @ApiPropertyOptional({
    description: 'Gateway request id (also the X-Request-Id header).',
    example: '8d3c5b52-6f7e-4a51-9f0e-1c2d3e4f5a6b',
  })
  requestId?: string;

  @ApiPropertyOptional({
    description: 'Validation and pre-flight problems, one per field.',
    type: [ProblemFieldError],
  })
  errors?: ProblemFieldError[];

  @ApiPropertyOptional({
    description: 'Present on 403: why the caller was refused.',
    type: () => ProblemAuthorization,
  })
  authorization?: ProblemAuthorization;

  @ApiPropertyOptional({
    description: 'Present when OSS answered with an error.',
    type: () => ProblemOssDetails,
  })
  oss?: ProblemOssDetails;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input, a pre-flight finding, or OSS rejected the input.',
  401: 'Missing or unknown credentials.',
  403: 'The caller is not allowed (the `authorization` member explains why).',
  404: 'Bucket or rule not found.',
  409: 'Conflicts with the current replication state.',
  502: 'OSS failed or refused the gateway’s own credentials (`oss` member).',
  503: 'The audit trail is unavailable, so changes are refused.',
  504: 'OSS did not answer in time.',
};

/** Documents `application/problem+json` answers for the given statuses. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(Problem),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: STATUS_TEXT[status] ?? 'Error.',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } },
      }),
    ),
  );
}
