import { describe, expect, it } from 'vitest';
import { ossFixture, ossResponse } from '../../../test/fixtures/oss/fixtures.js';
import { OssServiceError } from '../errors.js';
import { checkResponseMiddleware, parseServiceError } from './check-response.middleware.js';
import type { PipelineContext } from './pipeline.js';

const ctx: PipelineContext = {
  spec: { method: 'GET', bucket: 'b', query: [], headers: {} },
  operation: 'GetBucketReplication',
  region: 'cn-hangzhou',
  attempt: 1,
  timeoutMs: 1000,
  headers: {},
};

describe(parseServiceError.name, () => {
  it('reads code, message, request id, host id and EC from the Error body', () => {
    const error = parseServiceError(ossResponse(ossFixture('Error', 'no-such-bucket.xml'), 404));
    expect(error).toBeInstanceOf(OssServiceError);
    expect(error).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
      message: 'The specified bucket does not exist.',
      requestId: '5C3D9175B6FC201293AD****',
      hostId: 'test.oss-cn-hangzhou.aliyuncs.com',
      ec: '0015-00000101',
      fault: 'client',
      details: { BucketName: 'test' },
    });
  });

  it('keeps operation-specific elements as details', () => {
    const error = parseServiceError(ossResponse(ossFixture('Error', 'transfer-acc-already-in-use.xml'), 409));
    expect(error.code).toBe('TransferAccAlreadyInUse');
    expect(error.details).toEqual({ SourceBucket: 'srcBucket', DestinationBucket: 'destBucket' });
  });

  it('keeps a nested AccessDeniedDetail (the documented 0003-00000201 sample) apart from the details', () => {
    const error = parseServiceError(ossResponse(ossFixture('Error', 'access-denied-detail.xml'), 403));
    expect(error).toMatchObject({
      code: 'AccessDenied',
      ec: '0003-00000201',
      details: { Bucket: 'dinary', User: '205871000474254611' },
      accessDeniedDetail: {
        PolicyType: 'AccountLevelIdentityBasedPolicy',
        AuthPrincipalOwnerId: '10323***2056',
        AuthPrincipalType: 'SubUser',
        AuthPrincipalDisplayName: '20587***54611',
        NoPermissionType: 'ExplicitDeny',
        AuthAction: 'oss:PutBucketReferer',
        EncodedDiagnosticMessage: expect.stringMatching(/^AQIBIAAAACB1/),
      },
    });
    expect(error.details).not.toHaveProperty('AccessDeniedDetail');
    expect(parseServiceError(ossResponse(ossFixture('Error', 'no-such-bucket.xml'), 404))).not.toHaveProperty(
      'accessDeniedDetail',
    );
  });

  it('reads a JSON error body when the Content-Type is JSON', () => {
    const body = JSON.stringify({
      Code: 'AccessDenied',
      Message: 'You have no right to access this bucket.',
      RequestId: '636B68BA80DA8539399F1234',
      HostId: 'b.oss-cn-hangzhou.aliyuncs.com',
      EC: '0003-00000001',
      AccessDeniedDetail: { AuthAction: 'oss:GetBucketReplication', NoPermissionType: 'ImplicitDeny' },
    });
    const error = parseServiceError(
      ossResponse(body, 403, { 'content-type': 'application/json;charset=utf-8' }),
    );
    expect(error).toMatchObject({
      code: 'AccessDenied',
      message: 'You have no right to access this bucket.',
      requestId: '636B68BA80DA8539399F1234',
      hostId: 'b.oss-cn-hangzhou.aliyuncs.com',
      ec: '0003-00000001',
      accessDeniedDetail: { AuthAction: 'oss:GetBucketReplication', NoPermissionType: 'ImplicitDeny' },
    });
    const wrapped = JSON.stringify({ Error: { Code: 'NoSuchBucket', Message: 'gone', EC: '0015-00000101' } });
    expect(
      parseServiceError(ossResponse(wrapped, 404, { 'content-type': 'application/json' })),
    ).toMatchObject({
      code: 'NoSuchBucket',
      ec: '0015-00000101',
    });
    expect(
      parseServiceError(ossResponse('{not json', 500, { 'content-type': 'application/json' })).code,
    ).toBe('InternalError');
  });

  it('trims the identifiers of a pretty-printed error body', () => {
    const body =
      '<Error>\n<Code>\nAccessDenied\n</Code>\n<Message>\n no \n</Message>\n<RequestId> R1 </RequestId></Error>';
    expect(parseServiceError(ossResponse(body, 403))).toMatchObject({
      code: 'AccessDenied',
      message: 'no',
      requestId: 'R1',
    });
  });

  it('falls back to the x-oss-ec and x-oss-request-id headers', () => {
    const body = '<Error><Code>AccessDenied</Code><Message>no</Message></Error>';
    const error = parseServiceError(
      ossResponse(body, 403, { 'x-oss-ec': '0003-00000001', 'x-oss-request-id': 'HDR' }),
    );
    expect(error).toMatchObject({ code: 'AccessDenied', ec: '0003-00000001', requestId: 'HDR' });
  });

  it('derives a code from the status when the body is empty or not an Error document', () => {
    expect(parseServiceError(ossResponse('', 503))).toMatchObject({
      code: 'ServiceUnavailable',
      fault: 'server',
      requestId: '534B371674E88A4D8906',
    });
    expect(parseServiceError(ossResponse('<html>Bad gateway</html>', 502)).code).toBe('BadGateway');
    expect(parseServiceError(ossResponse('<Error><Code>X', 500)).code).toBe('InternalError');
    expect(parseServiceError(ossResponse('', 418)).code).toBe('HttpStatus418');
  });

  it('reads a base64 x-oss-err header when a HEAD response has no body', () => {
    const xml = '<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R1</RequestId></Error>';
    const error = parseServiceError(
      ossResponse('', 404, { 'x-oss-err': Buffer.from(xml).toString('base64') }),
    );
    expect(error).toMatchObject({ code: 'NoSuchKey', message: 'gone', requestId: 'R1' });
  });

  it('takes the server time from ServerTime, else from the Date header', () => {
    const skewed = parseServiceError(ossResponse(ossFixture('Error', 'request-time-too-skewed.xml'), 403));
    expect(skewed.serverTime).toEqual(new Date('2025-04-17T15:39:12.000Z'));
    const dated = parseServiceError(
      ossResponse('', 403, { date: 'Thu, 17 Apr 2025 15:39:12 GMT', 'x-oss-server-time': '0' }),
    );
    expect(dated.serverTime).toEqual(new Date('2025-04-17T15:39:12.000Z'));
  });
});

describe('checkResponseMiddleware', () => {
  it('passes 2xx responses through and throws OssServiceError otherwise', async () => {
    const ok = checkResponseMiddleware(() => Promise.resolve(ossResponse('', 204)));
    await expect(ok(ctx)).resolves.toMatchObject({ status: 204 });
    const failing = checkResponseMiddleware(() =>
      Promise.resolve(ossResponse(ossFixture('GetBucketReplication', 'error-no-configuration.xml'), 404)),
    );
    await expect(failing(ctx)).rejects.toMatchObject({
      name: 'OssServiceError',
      code: 'NoSuchReplicationConfiguration',
    });
  });
});
