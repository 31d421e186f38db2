import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { requestOf } from '../../common/request-context/request-facts.js';
import type { Caller } from '../caller/caller.js';

/** The authenticated Caller of the request (REST and GraphQL); set by the request pipeline. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = requestOf(context)?.gateway?.caller as Caller | undefined;
  if (!caller) {
    // Only reachable on a handler that is @Public(): a programming error, not the caller's.
    throw new DomainError(ErrorCode.Internal, 'No authenticated caller on this request');
  }
  return caller;
});
