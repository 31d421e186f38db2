import { Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Args } from '../request/nest/input.decorators.js';
import { bucketArn, parentBucketArn, RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { OssAction } from '../auth/ram/actions.js';
import { Call, type CallContext } from './call-context.js';
import {
  BucketArgs,
  DeleteReplicationRuleArgs,
  DRY_RUN_DESCRIPTION,
  ReplicationRuleArgs,
  RuleArgs,
  SetReplicationTimeControlArgs,
} from './dto/replication.args.js';
import { BucketNamePipe } from './dto/bucket-name.pipe.js';
import { CreateReplicationRuleInput } from './dto/create-replication-rule.input.js';
import { ReplicationLocations } from './dto/replication-locations.type.js';
import { ReplicationProgress } from './dto/replication-progress.type.js';
import { ReplicationRule } from './dto/replication-rule.type.js';
import { ProgressLoader } from './progress-loader.js';
import { createRuleConditionContext } from './replication-context.js';
import {
  type ReplicationRuleParent,
  ruleParent,
  toCreatedRuleView,
  toLocationsView,
  toNewRuleRequest,
  toProgressView,
  toRuleView,
} from './replication-view.mapper.js';
import { ReplicationService } from './replication.service.js';

/** GraphQL edge of the replication API (DESIGN §2); same service and mappers as the REST controller. */
@Resolver(() => ReplicationRule)
export class ReplicationResolver {
  private readonly progressLoader = new ProgressLoader();

  constructor(private readonly replication: ReplicationService) {}

  @Query(() => [ReplicationRule], {
    nullable: true,
    name: 'replicationRules',
    complexity: 1, // declared cost (GATEWAY_GRAPHQL_MAX_COST): the OSS calls this field makes
    description:
      'The replication rules of a bucket (GetBucketReplication); empty when it has none. ' +
      'Requires `oss:GetBucketReplication` on the source bucket.',
  })
  @RequiresAction(OssAction.GetBucketReplication, bucketArn('bucket'))
  async replicationRules(
    @Args() args: BucketArgs,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRuleParent[]> {
    const rules = await this.replication.list(ctx, args.bucket);
    return rules.map((r) => ruleParent(args.bucket, toRuleView(r)));
  }

  @Query(() => ReplicationRule, {
    nullable: true,
    name: 'replicationRule',
    complexity: 1, // OSS call
    description:
      'One replication rule; unknown id → NOT_FOUND. Requires `oss:GetBucketReplication` on the source bucket.',
  })
  @RequiresAction(OssAction.GetBucketReplication, bucketArn('bucket'))
  async replicationRule(
    @Args() args: ReplicationRuleArgs,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRuleParent> {
    return ruleParent(args.bucket, toRuleView(await this.replication.get(ctx, args.bucket, args.id)));
  }

  @Mutation(() => ReplicationRule, {
    name: 'createReplicationRule',
    complexity: 6, // OSS calls: four pre-flight reads, the write, the re-read
    description:
      'PutBucketReplication after pre-flight checks. The id is generated when absent; retrying with the same id and ' +
      'body returns the existing rule. With dryRun nothing is written and `plan` shows the OSS request. ' +
      'Requires `oss:PutBucketReplication` on the source bucket.',
  })
  @RequiresAction(OssAction.PutBucketReplication, bucketArn('bucket'), createRuleConditionContext)
  async createReplicationRule(
    // Named arguments (not one @ArgsType) so validation errors name `destination.location`, exactly as REST does.
    @Args('bucket', { description: 'Source bucket name.' }, BucketNamePipe) bucket: string,
    @Args('input', { type: () => CreateReplicationRuleInput, description: 'The rule to create.' })
    input: CreateReplicationRuleInput,
    @Args('dryRun', {
      type: () => Boolean,
      nullable: true,
      defaultValue: false,
      description: DRY_RUN_DESCRIPTION,
    })
    dryRun: boolean | null,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRuleParent> {
    const outcome = await this.replication.create(ctx, bucket, toNewRuleRequest(input), dryRun === true);
    return ruleParent(bucket, toCreatedRuleView(outcome));
  }

  @Mutation(() => ReplicationRule, {
    name: 'setReplicationTimeControl',
    complexity: 5, // OSS calls: three pre-flight reads, the write, the re-read
    description:
      'PutBucketRTC: enable or disable replication time control; returns the rule re-read from OSS. ' +
      'Requires `oss:PutBucketRtc` on the source bucket.',
  })
  @RequiresAction(OssAction.PutBucketRtc, bucketArn('bucket'))
  async setReplicationTimeControl(
    @Args() args: SetReplicationTimeControlArgs,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRuleParent> {
    const outcome = await this.replication.setRtc(
      ctx,
      args.bucket,
      args.ruleId,
      args.enabled,
      args.dryRun === true,
    );
    return ruleParent(args.bucket, toRuleView(outcome.rule, outcome.plan));
  }

  @Mutation(() => ReplicationRule, {
    name: 'deleteReplicationRule',
    complexity: 3, // OSS calls: the read, the delete, the re-read
    description:
      'DeleteBucketReplication: returns the rule in CLOSING; it disappears once OSS has cleaned up. ' +
      'Requires `oss:DeleteBucketReplication` on the source bucket.',
  })
  @RequiresAction(OssAction.DeleteBucketReplication, bucketArn('bucket'))
  async deleteReplicationRule(
    @Args() args: DeleteReplicationRuleArgs,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRuleParent> {
    const outcome = await this.replication.delete(ctx, args.bucket, args.ruleId, args.dryRun === true);
    return ruleParent(args.bucket, toRuleView(outcome.rule, outcome.plan));
  }

  @Query(() => ReplicationProgress, {
    nullable: true,
    name: 'replicationProgress',
    complexity: 1, // OSS call
    description:
      'How far a rule has replicated (GetBucketReplicationProgress). ' +
      'Requires `oss:GetBucketReplicationProgress` on the source bucket.',
  })
  @RequiresAction(OssAction.GetBucketReplicationProgress, bucketArn('bucket'))
  async replicationProgress(@Args() args: RuleArgs, @Call() ctx: CallContext): Promise<ReplicationProgress> {
    return toProgressView(await this.replication.progress(ctx, args.bucket, args.ruleId));
  }

  @Query(() => ReplicationLocations, {
    nullable: true,
    name: 'replicationLocations',
    complexity: 1, // OSS call
    description:
      'Regions the bucket may replicate to (GetBucketReplicationLocation). ' +
      'Requires `oss:GetBucketReplicationLocation` on the source bucket.',
  })
  @RequiresAction(OssAction.GetBucketReplicationLocation, bucketArn('bucket'))
  async replicationLocations(
    @Args() args: BucketArgs,
    @Call() ctx: CallContext,
  ): Promise<ReplicationLocations> {
    return toLocationsView(await this.replication.locations(ctx, args.bucket));
  }

  @ResolveField(() => ReplicationProgress, {
    name: 'progress',
    complexity: 1, // OSS call
    nullable: true,
    description:
      'Progress of this rule, authorized on its own (requires `oss:GetBucketReplicationProgress`): null with a FORBIDDEN error ' +
      'on this path for callers who may list rules but not read progress.',
  })
  @RequiresAction(OssAction.GetBucketReplicationProgress, parentBucketArn())
  async progress(
    @Parent() rule: ReplicationRuleParent,
    @Call() ctx: CallContext,
    @Context('req') req: object,
  ): Promise<ReplicationProgress | null> {
    const { bucket } = rule;
    if (rule.plan) {
      // A dry-run answer describes a rule that may not exist yet: it has no progress.
      return null;
    }
    const model = await this.progressLoader.load(req, bucket, rule.id, () =>
      this.replication.progress(ctx, bucket, rule.id),
    );
    return toProgressView(model);
  }
}
