import { ossError } from '../errors.js';
import { BUCKET_OPERATIONS } from './bucket-operations.js';
import { LISTING_OPERATIONS } from './listing-operations.js';
import { OBJECT_OPERATIONS } from './object-operations.js';
import {
  EMULATOR_OWNER_ID,
  type OperationContext,
  type OperationHandler,
  type OperationResult,
} from './operation-context.js';
import { REPLICATION_OPERATIONS } from './replication-operations.js';
import type { OperationName } from './routing.js';

/** Every operation's handler, one family per module; the compiler checks that none is missing. */
const HANDLERS: Record<OperationName, OperationHandler> = {
  ...BUCKET_OPERATIONS,
  ...LISTING_OPERATIONS,
  ...OBJECT_OPERATIONS,
  ...REPLICATION_OPERATIONS,
  NotImplemented: () => {
    throw ossError('NotImplemented');
  },
  MethodNotAllowed: () => {
    throw ossError('MethodNotAllowed');
  },
};

/**
 * Runs the operation `routeOperation` picked. A bucket belongs to its owner's account: a key of
 * another owner is refused (AccessDenied), as OSS refuses another account without a bucket policy.
 * Creating a bucket whose name is taken stays BucketAlreadyExists, whoever owns it.
 */
export function runOperation(op: OperationName, ctx: OperationContext): OperationResult {
  if (ctx.bucketName !== undefined && op !== 'PutBucket') {
    const bucket = ctx.store.getBucket(ctx.bucketName);
    if (bucket !== undefined && bucket.owner !== (ctx.owner ?? EMULATOR_OWNER_ID)) {
      throw ossError(
        'AccessDenied',
        { BucketName: ctx.bucketName },
        'The bucket belongs to another account.',
      );
    }
  }
  return HANDLERS[op](ctx);
}
