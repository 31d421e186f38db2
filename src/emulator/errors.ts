import { buildXml, el, type XmlNode } from './xml.js';

/**
 * OSS error codes the emulator answers with: HTTP status, default message and EC.
 * ECs marked "OSS" are the values real OSS returns (reference §4, OSS's per-EC error pages); the
 * others follow the OSS `XXXX-YYYYYYYY` shape but are assigned by the emulator, avoiding the ECs OSS
 * documents for another cause. Where OSS documents a finer EC for one cause of a code, the throw
 * site passes it (`DOCUMENTED_EC`).
 */
export const OSS_ERRORS = {
  AccessDenied: {
    status: 403,
    ec: '0003-00000001' /* OSS */,
    message: 'You have no right to access this bucket.',
  },
  InvalidAccessKeyId: {
    status: 403,
    ec: '0002-00000902', // OSS
    message: 'The OSS Access Key Id you provided does not exist in our records.',
  },
  SignatureDoesNotMatch: {
    status: 403,
    ec: '0002-00000040',
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    ec: '0002-00000504',
    message: 'The difference between the request time and the current time is too large.',
  },
  InvalidSecurityToken: {
    status: 403,
    ec: '0002-00000903',
    message: 'The security token you provided is invalid.',
  },
  AccessKeyIdAndSecurityTokenNotMatch: {
    status: 403,
    ec: '0002-00000904',
    message: 'The AccessKeyId and SecurityToken do not match.',
  },
  InvalidArgument: { status: 400, ec: '0016-00000001', message: 'Invalid argument.' },
  MissingArgument: { status: 400, ec: '0016-00000502', message: 'Missing argument.' }, // OSS EC
  MalformedXML: {
    status: 400,
    ec: '0031-00000001', // OSS (PutBucketReplication without root)
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
  },
  InvalidDigest: { status: 400, ec: '0016-00000302', message: 'The Content-MD5 you specified was invalid.' },
  InvalidBucketName: { status: 400, ec: '0015-00000001', message: 'The specified bucket is not valid.' },
  InvalidObjectName: { status: 400, ec: '0016-00000005', message: 'The specified object is not valid.' },
  InvalidRequest: { status: 400, ec: '0016-00000010', message: 'Invalid request.' },
  EntityTooLarge: {
    status: 400,
    ec: '0016-00000103',
    message: 'Your proposed upload exceeds the maximum allowed size.',
  },
  InvalidLocationConstraint: {
    status: 400,
    ec: '0015-00000004',
    message: 'The specified location-constraint is not valid.',
  },
  TooManyBuckets: {
    status: 400,
    ec: '0015-00000005',
    message: 'You have attempted to create more buckets than allowed.',
  },
  NoSuchBucket: { status: 404, ec: '0015-00000101', message: 'The specified bucket does not exist.' }, // OSS EC
  NoSuchKey: { status: 404, ec: '0026-00000001', message: 'The specified key does not exist.' },
  BucketAlreadyExists: {
    status: 409,
    ec: '0015-00000301',
    message:
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
  },
  BucketNotEmpty: {
    status: 409,
    ec: '0015-00000302',
    message: 'The bucket you tried to delete is not empty.',
  },
  MethodNotAllowed: {
    status: 405,
    ec: '0016-00000050',
    message: 'The specified method is not allowed against this resource.',
  },
  NotImplemented: {
    status: 501,
    ec: '0016-00000051',
    message: 'A header or query you provided implies functionality that is not implemented.',
  },
  // Replication (reference §2)
  InvalidTargetBucket: {
    status: 400,
    ec: '0031-00000003',
    message: 'The target bucket is invalid for bucket replication.',
  },
  InvalidTargetLocation: {
    status: 400,
    ec: '0031-00000004',
    message: 'The target bucket you specified does not locate in the target location.',
  },
  BucketReplicationAlreadyExist: {
    status: 400,
    ec: '0031-00000044', // OSS (error page 0031-00000044: a rule already exists for this source and destination)
    message: 'Bucket replication already exists.',
  },
  BadReplicationLocation: {
    status: 400,
    ec: '0031-00000006',
    message: 'The replication location you choose is invalid.',
  },
  NoReplicationLocation: {
    status: 400,
    ec: '0031-00000007',
    message: 'The bucket does not have corresponding replication location.',
  },
  TooManyReplicationRules: {
    status: 400,
    ec: '0031-00000008',
    message: 'Too many replication rules in one request.',
  },
  TooManyOutgoingReplication: {
    status: 400,
    ec: '0031-00000009',
    message: 'The source bucket already has too many outgoing replication rules.',
  },
  TooManyIncomingReplication: {
    status: 400,
    ec: '0031-00000010',
    message: 'The target bucket already has too many incoming replication rules.',
  },
  TooManyPrefixes: {
    status: 400,
    ec: '0031-00000020', // 0031-00000011 is OSS's EC for an invalid HistoricalObjectReplication
    message: "The bucket replication rule's prefixes number is beyond limit.",
  },
  ReplicationLocationNotSupportRtc: {
    status: 400,
    ec: '0031-00000012',
    message: 'The replication location does not support RTC.',
  },
  BucketReplicationInClosingStatus: {
    status: 400,
    ec: '0031-00000013',
    message: 'The bucket replication rule is in closing status.',
  },
  BucketReplicationNotSupportRtc: {
    status: 400,
    ec: '0031-00000014',
    message: 'The bucket replication rule does not support RTC.',
  },
  NoSuchReplicationConfiguration: {
    status: 404,
    ec: '0031-00000103', // 0031-00000101 is OSS's EC for an invalid destination bucket name
    message: 'The bucket you specified does not have replication configuration.',
  },
  NoSuchReplicationRule: {
    status: 404,
    ec: '0031-00000102',
    message: 'The BucketReplicationRule you specified does not exist.',
  },
  // Fault injection defaults
  InternalError: {
    status: 500,
    ec: '0000-00000001',
    message: 'We encountered an internal error. Please try again.',
  },
  ServiceUnavailable: { status: 503, ec: '0000-00000002', message: 'Service is temporarily unavailable.' },
  SlowDown: { status: 503, ec: '0000-00000003', message: 'Please reduce your request rate.' },
} as const satisfies Record<string, { status: number; ec: string; message: string }>;

export type OssErrorCode = keyof typeof OSS_ERRORS;

/**
 * ECs OSS documents for one particular cause (its error pages, `help/en/oss/support/<EC>`), used
 * where the cause is finer than the code's default EC.
 */
export const DOCUMENTED_EC = {
  /** PutBucketReplication: HistoricalObjectReplication is neither enabled nor disabled. */
  invalidHistoricalObjectReplication: '0031-00000011',
  /** PutBucketRTC: the body has no ID. */
  rtcWithoutId: '0031-00000015',
  /** PutBucketReplication: prefixes of the rule overlap (`source` and `source/video`). */
  overlappingPrefixes: '0031-00000019',
  /** PutBucketReplication: Action is not ALL/PUT. */
  invalidAction: '0031-00000023',
  /** PutBucketRTC: the ID matches no rule. */
  rtcRuleNotFound: '0031-00000110',
} as const;

export type DocumentedEc = (typeof DOCUMENTED_EC)[keyof typeof DOCUMENTED_EC];

/** Extra elements carried in the error body after the common ones (BucketName, StringToSign, …). */
export type OssErrorDetails = Record<string, string>;

/** An OSS service error as the emulator answers it. */
export class OssError extends Error {
  readonly status: number;
  readonly ec: string;

  constructor(
    readonly code: string,
    message?: string,
    readonly details: OssErrorDetails = {},
    status?: number,
    ec?: string,
  ) {
    const known = (OSS_ERRORS as Record<string, { status: number; ec: string; message: string } | undefined>)[
      code
    ];
    super(message ?? known?.message ?? code);
    this.name = 'OssError';
    this.status = status ?? known?.status ?? 400;
    this.ec = ec ?? known?.ec ?? '0000-00000000';
  }
}

/** An error from the table; `ec` overrides the code's default where OSS documents a finer one. */
export function ossError(
  code: OssErrorCode,
  details?: OssErrorDetails,
  message?: string,
  ec?: DocumentedEc,
): OssError {
  return new OssError(code, message, details, undefined, ec);
}

/** The `<Error>` body: Code, Message, RequestId, HostId, details, EC, RecommendDoc. */
export function errorXml(err: OssError, requestId: string, hostId: string): string {
  const nodes: XmlNode[] = [
    el('Code', err.code),
    el('Message', err.message),
    el('RequestId', requestId),
    el('HostId', hostId),
  ];
  for (const [name, value] of Object.entries(err.details)) {
    nodes.push(el(name, value));
  }
  nodes.push(el('EC', err.ec));
  nodes.push(el('RecommendDoc', `https://api.aliyun.com/troubleshoot?q=${err.ec}`));
  return buildXml(el('Error', nodes));
}
