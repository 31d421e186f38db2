import { describe, expect, it } from 'vitest';
import { CircuitOpenError, OssClientError, OssServiceError } from '../oss/errors.js';
import { ErrorCode } from '../common/errors/domain-error.js';
import { ERROR_MAPPING } from '../common/errors/error-mapping.js';
import { translateOssError } from './oss-error.translator.js';

function ossError(code: string, status: number): OssServiceError {
  return new OssServiceError({
    status,
    code,
    message: `message of ${code}`,
    requestId: '5C3D9175B6FC201293AD4890',
    hostId: 'b.oss-cn-hangzhou.aliyuncs.com',
    ec: '0015-00000101',
    details: { StringToSign: 'secret-derived', OSSAccessKeyId: 'LTAI' },
  });
}

describe(translateOssError.name, () => {
  it.each([
    ['NoSuchBucket', 404, ErrorCode.BucketNotFound],
    ['NoSuchReplicationRule', 404, ErrorCode.ReplicationRuleNotFound],
    ['NoSuchReplicationConfiguration', 404, ErrorCode.ReplicationRuleNotFound],
    ['BucketReplicationAlreadyExist', 400, ErrorCode.ReplicationConflict],
    ['TooManyReplicationRules', 400, ErrorCode.ReplicationConflict],
    ['TooManyOutgoingReplication', 400, ErrorCode.ReplicationConflict],
    ['BucketReplicationInClosingStatus', 400, ErrorCode.ReplicationConflict],
    ['TransferAccAlreadyInUse', 409, ErrorCode.ReplicationConflict],
    ['InvalidTargetBucket', 400, ErrorCode.UpstreamRejectedInput],
    ['ReplicationLocationNotSupportRtc', 400, ErrorCode.UpstreamRejectedInput],
    ['MalformedXML', 400, ErrorCode.UpstreamRejectedInput],
    ['SomeFutureInputCode', 400, ErrorCode.UpstreamRejectedInput],
    ['AccessDenied', 403, ErrorCode.UpstreamError],
    ['SignatureDoesNotMatch', 403, ErrorCode.UpstreamError],
    ['InvalidAccessKeyId', 403, ErrorCode.UpstreamError],
    ['RequestTimeTooSkewed', 403, ErrorCode.UpstreamError],
    ['SecurityTokenExpired', 403, ErrorCode.UpstreamError],
    ['UserDisable', 403, ErrorCode.UpstreamError],
    ['InternalError', 500, ErrorCode.UpstreamError],
    ['ServiceUnavailable', 503, ErrorCode.UpstreamError],
    ['SomethingNew', 409, ErrorCode.ReplicationConflict],
  ])('maps OSS %s (%i) to %s, keeping the OSS identifiers', (code, status, expected) => {
    const error = translateOssError(ossError(code, status))!;
    expect(error.code).toBe(expected);
    expect(error.details.oss).toEqual({
      code,
      message: `message of ${code}`,
      requestId: '5C3D9175B6FC201293AD4890',
      ec: '0015-00000101',
      hostId: 'b.oss-cn-hangzhou.aliyuncs.com',
      status,
    });
    expect(JSON.stringify(error.details)).not.toContain('secret-derived');
  });

  it('maps an open circuit breaker to 503 UPSTREAM_UNAVAILABLE with Retry-After in whole seconds, never 0', () => {
    const refused = translateOssError(
      new CircuitOpenError({
        operation: 'GetBucketReplication',
        endpoint: '10.0.0.7:9000',
        retryAfterMs: 4_200,
      }),
    )!;
    expect(refused.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(ERROR_MAPPING[refused.code]).toMatchObject({
      httpStatus: 503,
      publicCode: 'UPSTREAM_UNAVAILABLE',
    });
    expect(refused.details).toMatchObject({ retryAfterSeconds: 5, oss: { code: 'CircuitOpen' } });
    // The endpoint is for metrics and logs, not for callers.
    expect(JSON.stringify(refused.details) + refused.message).not.toContain('10.0.0.7');
    const probing = translateOssError(
      new CircuitOpenError({ operation: 'GetBucketReplication', endpoint: 'e', retryAfterMs: 0 }),
    )!;
    expect(probing.details.retryAfterSeconds).toBe(1);
  });

  it("keeps OSS's identifiers of the failure that opened the breaker", () => {
    const tripped = translateOssError(
      new CircuitOpenError({
        operation: 'PutBucketRtc',
        endpoint: 'e',
        retryAfterMs: 10_000,
        cause: ossError('SlowDown', 503),
      }),
    )!;
    expect(tripped.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(tripped.details).toMatchObject({
      retryAfterSeconds: 10,
      oss: { code: 'SlowDown', requestId: '5C3D9175B6FC201293AD4890', status: 503 },
    });
  });

  it("surfaces OSS's AccessDeniedDetail under oss.accessDeniedDetail, keys in camelCase", () => {
    const denied = new OssServiceError({
      status: 403,
      code: 'AccessDenied',
      message: 'Access denied by bucket policy.',
      ec: '0003-00000201',
      accessDeniedDetail: { AuthAction: 'oss:GetBucketReplication', NoPermissionType: 'ExplicitDeny' },
    });
    const error = translateOssError(denied)!;
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.details.oss).toMatchObject({
      code: 'AccessDenied',
      ec: '0003-00000201',
      accessDeniedDetail: { authAction: 'oss:GetBucketReplication', noPermissionType: 'ExplicitDeny' },
    });
  });

  it("says OSS refused the gateway's own credentials, never that the caller was denied", () => {
    expect(translateOssError(ossError('AccessDenied', 403))!.message).toContain("gateway's own credentials");
  });

  it.each([
    ['Timeout', ErrorCode.UpstreamTimeout],
    ['RetryBudgetExceeded', ErrorCode.UpstreamTimeout],
    ['NetworkError', ErrorCode.UpstreamError],
    ['MalformedResponse', ErrorCode.UpstreamError],
    ['CredentialsError', ErrorCode.UpstreamError],
    ['InvalidArgument', ErrorCode.UpstreamRejectedInput],
  ] as const)('maps client error %s to %s', (code, expected) => {
    const error = translateOssError(new OssClientError(code, 'what happened'))!;
    expect(error.code).toBe(expected);
    expect(error.details.oss).toEqual({ code, message: 'what happened' });
  });

  it('turns an invalid bucket name into a validation error on the bucket field', () => {
    const error = translateOssError(new OssClientError('InvalidBucketName', 'bad name'))!;
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(error.details.errors).toEqual([{ field: 'bucket', message: 'bad name' }]);
  });

  it('ignores anything that is not an OSS error', () => {
    expect(translateOssError(new Error('x'))).toBeUndefined();
  });
});
