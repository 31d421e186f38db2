import {
  type ComplexityEstimatorArgs,
  Context,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import type { Caller } from '../../auth/caller/caller.js';
import { CurrentCaller } from '../../auth/decorators/current-caller.decorator.js';
import {
  eachBucketArn,
  parentBucketArn,
  RequiresAction,
} from '../../auth/decorators/requires-action.decorator.js';
import { OssAction } from '../../auth/ram/actions.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import { Args } from '../../request/nest/input.decorators.js';
import { ReplicationRule } from '../../replication/dto/replication-rule.type.js';
import type { ReplicationRuleParent } from '../../replication/replication-view.mapper.js';
import {
  FLEET_PAGE_DEFAULT,
  FLEET_PAGE_MAX,
  HISTORY_PAGE_DEFAULT,
  ProgressHistoryArgs,
  ReplicationFleetArgs,
} from './dto/fleet.args.js';
import { FleetRulePage } from './dto/fleet-rule.type.js';
import { ProgressHistoryPage } from './dto/progress-sample.type.js';
import { ReplicationHealth } from './dto/replication-health.type.js';
import { toFleetFilterModel, toFleetPageView, toHealthView, toHistoryPageView } from './fleet-view.mapper.js';
import { FleetService } from './fleet.service.js';

/** GraphQL edge of the fleet (DESIGN §2, §11); same service and mappers as the REST controller. */
@Resolver(() => FleetRulePage)
export class FleetResolver {
  constructor(private readonly fleet: FleetService) {}

  @Query(() => FleetRulePage, {
    nullable: true,
    name: 'replicationFleet',
    // Declared cost (GATEWAY_GRAPHQL_MAX_COST): no OSS call (inventory and sample store), one per 100
    // rows of the page; a page size given by a variable is costed as the largest page.
    complexity: ({ args }: ComplexityEstimatorArgs) =>
      Math.ceil((typeof args.first === 'number' ? args.first : FLEET_PAGE_MAX) / 100),
    description:
      'Every replication rule the caller may read, with its health, most troubled first (severity, then lag, then ' +
      'account, bucket, rule id). Requires `oss:GetBucketReplication` per row, on each rule’s source bucket: rows not ' +
      'allowed are left out (never errors), so any authenticated caller gets an answer; `health` only where ' +
      '`oss:GetBucketReplicationProgress` is allowed (null otherwise).',
  })
  @RequiresAction(OssAction.GetBucketReplication, eachBucketArn())
  async replicationFleet(
    @Args() args: ReplicationFleetArgs,
    @CurrentCaller() caller: Caller,
    @Context('req') req: GatewayRequest,
  ): Promise<FleetRulePage> {
    const page = await this.fleet.list(
      caller,
      req,
      toFleetFilterModel(args.filter),
      args.first ?? FLEET_PAGE_DEFAULT,
      args.after ?? undefined,
    );
    return toFleetPageView(page);
  }
}

/** `ReplicationRule.health` and `ReplicationRule.progressHistory`: read from the sample store, no OSS call. */
@Resolver(() => ReplicationRule)
export class ReplicationRuleHealthResolver {
  constructor(private readonly fleet: FleetService) {}

  @ResolveField(() => ReplicationHealth, {
    name: 'health',
    nullable: true,
    complexity: 0, // no OSS call: computed from stored samples
    description:
      'Health of this rule from its stored progress samples (`unknown` before the first). Authorized on its own ' +
      '(requires `oss:GetBucketReplicationProgress`): null with a FORBIDDEN error on this path otherwise.',
  })
  @RequiresAction(OssAction.GetBucketReplicationProgress, parentBucketArn())
  async health(@Parent() rule: ReplicationRuleParent): Promise<ReplicationHealth | null> {
    if (rule.plan) {
      // A dry-run answer describes a rule that may not exist yet: it has no health.
      return null;
    }
    return toHealthView(await this.fleet.healthOfAnyRule(rule.bucket, rule.id));
  }

  @ResolveField(() => ProgressHistoryPage, {
    name: 'progressHistory',
    nullable: true,
    complexity: 0, // no OSS call: read from the sample store
    description:
      'Stored progress samples of this rule, oldest first (`from` inclusive, `to` exclusive, cursor paging). ' +
      'Requires `oss:GetBucketReplicationProgress`: null with a FORBIDDEN error on this path otherwise.',
  })
  @RequiresAction(OssAction.GetBucketReplicationProgress, parentBucketArn())
  async progressHistory(
    @Parent() rule: ReplicationRuleParent,
    @Args() args: ProgressHistoryArgs,
  ): Promise<ProgressHistoryPage | null> {
    if (rule.plan) {
      return null;
    }
    const page = await this.fleet.historyOfAnyRule(rule.bucket, rule.id, {
      first: args.first ?? HISTORY_PAGE_DEFAULT,
      ...(args.from ? { from: args.from } : {}),
      ...(args.to ? { to: args.to } : {}),
      ...(args.after ? { after: args.after } : {}),
    });
    return toHistoryPageView(page);
  }
}
