import { ossError } from '../errors.js';
import { BUCKET_OPERATIONS } from './bucket-operations.js';
import { LISTING_OPERATIONS } from './listing-operations.js';
import { OBJECT_OPERATIONS } from './object-operations.js';
import type { OperationContext, OperationHandler, OperationResult } from './operation-context.js';
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

/** Runs the operation `routeOperation` picked. */
export function runOperation(op: OperationName, ctx: OperationContext): OperationResult {
  return HANDLERS[op](ctx);
}
