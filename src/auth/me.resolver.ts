import { Context, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Args } from '../request/nest/input.decorators.js';
import type { GatewayRequest } from '../common/request-context/request-facts.js';
import { AuthorizationService } from './authorization.service.js';
import type { Caller } from './caller/caller.js';
import { CurrentCaller } from './decorators/current-caller.decorator.js';
import { RequiresAuthentication } from './decorators/requires-action.decorator.js';
import { BucketPermissionsArgs } from './dto/bucket-permissions.args.js';
import { BucketPermissions } from './dto/bucket-permissions.type.js';
import { CallerIdentity } from './dto/caller-identity.type.js';
import { toBucketPermissions, toCallerIdentity } from './me.mapper.js';

@Resolver(() => CallerIdentity)
export class MeResolver {
  constructor(private readonly authorization: AuthorizationService) {}

  @Query(() => CallerIdentity, {
    nullable: true,
    description: 'The authenticated caller. Open to any authenticated caller; no RAM action is checked.',
  })
  @RequiresAuthentication()
  me(@CurrentCaller() caller: Caller): CallerIdentity {
    return toCallerIdentity(caller);
  }

  @ResolveField(() => BucketPermissions, {
    complexity: 1, // the bucket-region lookup (an OSS call) behind the decisions
    description:
      'The caller’s decision for each of the six replication actions on a bucket, in the context of this request. A missing bucket is a NOT_FOUND error, except for a caller whose policies could allow none of the six: its bucket is not looked up, and every one is denied on the ARN with region `*`, whether the bucket exists or not.',
  })
  @RequiresAuthentication()
  async permissions(
    @CurrentCaller() caller: Caller,
    @Args() args: BucketPermissionsArgs,
    @Context('req') req: GatewayRequest,
  ): Promise<BucketPermissions> {
    return toBucketPermissions(await this.authorization.permissionsOn(caller, args.bucket, req, 'graphql'));
  }
}
