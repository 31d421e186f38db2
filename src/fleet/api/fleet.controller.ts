import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../auth/caller/caller.js';
import { CurrentCaller } from '../../auth/decorators/current-caller.decorator.js';
import { bucketArn, eachBucketArn, RequiresAction } from '../../auth/decorators/requires-action.decorator.js';
import { OssAction } from '../../auth/ram/actions.js';
import { ApiProblemResponses } from '../../common/errors/problem.dto.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import { Param, Query } from '../../request/nest/input.decorators.js';
import { RuleArgs } from '../../replication/dto/replication.args.js';
import {
  HISTORY_PAGE_DEFAULT,
  FLEET_PAGE_DEFAULT,
  ListFleetRulesQuery,
  ProgressHistoryArgs,
} from './dto/fleet.args.js';
import { FleetRulePage } from './dto/fleet-rule.type.js';
import { ProgressHistoryPage } from './dto/progress-sample.type.js';
import { ReplicationHealth } from './dto/replication-health.type.js';
import { toFleetFilterModel, toFleetPageView, toHealthView, toHistoryPageView } from './fleet-view.mapper.js';
import { FleetService } from './fleet.service.js';

/** REST edge of the fleet (DESIGN §2, §11). Thin: translate, call the service, map the answer. */
@ApiTags('fleet')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller()
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('v1/replication/rules')
  @RequiresAction(OssAction.GetBucketReplication, eachBucketArn())
  @ApiOperation({
    operationId: 'listFleetRules',
    summary: 'Every replication rule the caller may read, most troubled first',
    description:
      'The fleet: every rule of every account in the inventory, with its health computed from the stored progress samples ' +
      '(no OSS call). Sorted by health severity (stalled, lagging, unknown, catching_up, starting, closing, healthy; rows ' +
      'without visible health last), then lag (largest first), then account, bucket and rule id. Authorization is per row: ' +
      'only rules of buckets whose `oss:GetBucketReplication` the caller is allowed, and `health` only where ' +
      '`oss:GetBucketReplicationProgress` is allowed (null otherwise; such rows never match a `health` filter). ' +
      'Pass `nextCursor` as `after` for the next page.',
  })
  @ApiOkResponse({ type: FleetRulePage, description: 'One page of rules and the cursor of the next.' })
  @ApiProblemResponses(400)
  async list(
    @Query() query: ListFleetRulesQuery,
    @CurrentCaller() caller: Caller,
    @Req() req: GatewayRequest,
  ): Promise<FleetRulePage> {
    const page = await this.fleet.list(
      caller,
      req,
      toFleetFilterModel(query),
      query.first ?? FLEET_PAGE_DEFAULT,
      query.after,
    );
    return toFleetPageView(page);
  }

  @Get('v1/buckets/:bucket/replication/rules/:ruleId/health')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @RequiresAction(OssAction.GetBucketReplicationProgress, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'getReplicationHealth',
    summary: 'Health of a rule',
    description:
      'Computed from the rule’s stored progress samples (no OSS call): state, reasons, lag, historical rate and ETA. ' +
      'A rule the fleet inventory does not know → 404.',
  })
  @ApiOkResponse({ type: ReplicationHealth, description: 'The rule’s health now.' })
  @ApiProblemResponses(400, 404)
  async health(@Param() params: RuleArgs): Promise<ReplicationHealth> {
    return toHealthView(await this.fleet.health(params.bucket, params.ruleId));
  }

  @Get('v1/buckets/:bucket/replication/rules/:ruleId/progress/history')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @RequiresAction(OssAction.GetBucketReplicationProgress, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'listReplicationProgressHistory',
    summary: 'Progress history of a rule',
    description:
      'The progress samples the sampler stored for the rule (kept `GATEWAY_HISTORY_RETENTION_DAYS`), oldest first, ' +
      '`from` inclusive and `to` exclusive; pass `nextCursor` as `after` for the next page. A rule the fleet inventory ' +
      'does not know → 404.',
  })
  @ApiOkResponse({
    type: ProgressHistoryPage,
    description: 'One page of samples and the cursor of the next.',
  })
  @ApiProblemResponses(400, 404)
  async history(
    @Param() params: RuleArgs,
    @Query() query: ProgressHistoryArgs,
  ): Promise<ProgressHistoryPage> {
    const page = await this.fleet.history(params.bucket, params.ruleId, {
      first: query.first ?? HISTORY_PAGE_DEFAULT,
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      ...(query.after !== undefined ? { after: query.after } : {}),
    });
    return toHistoryPageView(page);
  }
}
