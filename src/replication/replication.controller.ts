import { Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Res } from '@nestjs/common';
import { Body, Param, Query } from '../request/nest/input.decorators.js';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { bucketArn, RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { OssAction } from '../auth/ram/actions.js';
import { ApiProblemResponses } from '../common/errors/problem.dto.js';
import { Call, type CallContext } from './call-context.js';
import { rulePath } from './domain/replication-rule.js';
import { CreateReplicationRuleInput } from './dto/create-replication-rule.input.js';
import { BucketArgs, DryRunQuery, RuleArgs, SetReplicationTimeControlBody } from './dto/replication.args.js';
import { ReplicationLocations } from './dto/replication-locations.type.js';
import { ReplicationProgress } from './dto/replication-progress.type.js';
import { ReplicationRule, ReplicationRuleList } from './dto/replication-rule.type.js';
import { createRuleConditionContext } from './replication-context.js';
import {
  toCreatedRuleView,
  toLocationsView,
  toNewRuleRequest,
  toProgressView,
  toRuleView,
} from './replication-view.mapper.js';
import { ReplicationService } from './replication.service.js';

/** REST edge of the replication API (DESIGN §2). Thin: translate, call the service, map the answer. */
@ApiTags('replication')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiProblemResponses(401, 403, 502, 504)
@Controller('v1/buckets/:bucket/replication')
export class ReplicationController {
  constructor(private readonly replication: ReplicationService) {}

  @Get('rules')
  @RequiresAction(OssAction.GetBucketReplication, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'listReplicationRules',
    summary: 'List the replication rules of a bucket',
    description: 'GetBucketReplication. A bucket without replication configuration answers `{"rules": []}`.',
  })
  @ApiOkResponse({
    type: ReplicationRuleList,
    description: 'The rules; `{"rules": []}` when the bucket has none.',
  })
  @ApiProblemResponses(400, 404)
  async list(@Param() params: BucketArgs, @Call() ctx: CallContext): Promise<ReplicationRuleList> {
    const rules = await this.replication.list(ctx, params.bucket);
    return { rules: rules.map((r) => toRuleView(r)) };
  }

  @Get('rules/:ruleId')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @RequiresAction(OssAction.GetBucketReplication, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'getReplicationRule',
    summary: 'Get one replication rule',
    description: 'GetBucketReplication, filtered to one rule; unknown id → 404.',
  })
  @ApiOkResponse({ type: ReplicationRule, description: 'The rule.' })
  @ApiProblemResponses(400, 404)
  async get(@Param() params: RuleArgs, @Call() ctx: CallContext): Promise<ReplicationRule> {
    return toRuleView(await this.replication.get(ctx, params.bucket, params.ruleId));
  }

  @Post('rules')
  @HttpCode(HttpStatus.CREATED)
  @RequiresAction(OssAction.PutBucketReplication, bucketArn('bucket'), createRuleConditionContext)
  @ApiOperation({
    operationId: 'createReplicationRule',
    summary: 'Create a replication rule',
    description:
      'PutBucketReplication after pre-flight checks (destination region, transfer type, RTC support, rule limit, ' +
      'same bucket, duplicate destination; all findings at once: 400 `PreflightFailed`, or 409 when every finding is a conflict). ' +
      'The id is generated when absent. Retrying with the same id and body answers 201 again with the existing rule ' +
      'and `Idempotent-Replayed: true`; the same id with a different body is 409. With `?dryRun=true` nothing is written: ' +
      '200 with the rule as it would be created and `plan`, the OSS request that would be sent. ' +
      'Condition keys: `oss:ReplicationDestinationBucket`, `oss:ReplicationDestinationLocation`.',
  })
  @ApiBody({
    type: CreateReplicationRuleInput,
    examples: {
      crossRegion: {
        summary:
          'demo-source → demo-archive (cn-shanghai), new PUTs under reports/ and the objects already there',
        value: {
          id: 'reports-to-shanghai',
          prefixes: ['reports/'],
          action: 'PUT',
          destination: { bucket: 'demo-archive', location: 'oss-cn-shanghai', transferType: 'internal' },
          historicalObjectReplication: true,
        },
      },
    },
  })
  @ApiCreatedResponse({
    type: ReplicationRule,
    description: 'Created (or an idempotent replay); `Location` names the rule.',
    headers: {
      Location: {
        description: 'Path of the rule: `/v1/buckets/{bucket}/replication/rules/{id}`.',
        schema: { type: 'string' },
      },
      'Idempotent-Replayed': {
        description: '`true` when the rule already existed with this id and an equivalent body.',
        schema: { type: 'string', enum: ['true'] },
      },
    },
  })
  @ApiOkResponse({
    type: ReplicationRule,
    description: 'Dry run: nothing was written; `plan` shows the OSS request.',
  })
  @ApiProblemResponses(400, 404, 409, 503)
  async create(
    @Param() params: BucketArgs,
    @Query() query: DryRunQuery,
    @Body() input: CreateReplicationRuleInput,
    @Call() ctx: CallContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplicationRule> {
    const dryRun = query.dryRun === true;
    const outcome = await this.replication.create(ctx, params.bucket, toNewRuleRequest(input), dryRun);
    if (dryRun) {
      void reply.status(HttpStatus.OK);
    } else {
      void reply.header('location', rulePath(params.bucket, outcome.rule.id));
    }
    if (!outcome.created) {
      void reply.header('idempotent-replayed', 'true');
    }
    return toCreatedRuleView(outcome);
  }

  @Put('rules/:ruleId/rtc')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @RequiresAction(OssAction.PutBucketRtc, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'setReplicationTimeControl',
    summary: 'Enable or disable replication time control of a rule',
    description:
      'PutBucketRTC after pre-flight checks; answers the rule as re-read from OSS. `?dryRun=true` writes nothing and adds `plan`.',
  })
  @ApiOkResponse({
    type: ReplicationRule,
    description:
      'The rule as re-read from OSS (`rtc.status` goes `enabling` → `enabled`); with `?dryRun=true`, the rule as it would be and `plan`.',
  })
  @ApiProblemResponses(400, 404, 409, 503)
  async setRtc(
    @Param() params: RuleArgs,
    @Query() query: DryRunQuery,
    @Body() body: SetReplicationTimeControlBody,
    @Call() ctx: CallContext,
  ): Promise<ReplicationRule> {
    const outcome = await this.replication.setRtc(
      ctx,
      params.bucket,
      params.ruleId,
      body.enabled,
      query.dryRun === true,
    );
    return toRuleView(outcome.rule, outcome.plan);
  }

  @Delete('rules/:ruleId')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @HttpCode(HttpStatus.ACCEPTED)
  @RequiresAction(OssAction.DeleteBucketReplication, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'deleteReplicationRule',
    summary: 'Delete a replication rule',
    description:
      'DeleteBucketReplication. Deletion is asynchronous: 202 with the rule in `closing`; it disappears later. ' +
      '`?dryRun=true` writes nothing: 200 with the rule and `plan`.',
  })
  @ApiAcceptedResponse({
    type: ReplicationRule,
    description: 'Deletion started: the rule in `closing`; OSS removes it asynchronously.',
  })
  @ApiOkResponse({
    type: ReplicationRule,
    description: 'Dry run: nothing was written; `plan` shows the OSS request.',
  })
  @ApiProblemResponses(400, 404, 409, 503)
  async delete(
    @Param() params: RuleArgs,
    @Query() query: DryRunQuery,
    @Call() ctx: CallContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplicationRule> {
    const dryRun = query.dryRun === true;
    const outcome = await this.replication.delete(ctx, params.bucket, params.ruleId, dryRun);
    if (dryRun) {
      void reply.status(HttpStatus.OK);
    }
    return toRuleView(outcome.rule, outcome.plan);
  }

  @Get('rules/:ruleId/progress')
  @ApiParam({ name: 'ruleId', description: 'Rule id.', example: 'demo-logs-and-images-to-beijing' })
  @RequiresAction(OssAction.GetBucketReplicationProgress, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'getReplicationProgress',
    summary: 'Replication progress of a rule',
    description: 'GetBucketReplicationProgress.',
  })
  @ApiOkResponse({ type: ReplicationProgress, description: 'How far the rule has replicated.' })
  @ApiProblemResponses(400, 404)
  async progress(@Param() params: RuleArgs, @Call() ctx: CallContext): Promise<ReplicationProgress> {
    return toProgressView(await this.replication.progress(ctx, params.bucket, params.ruleId));
  }

  @Get('locations')
  @RequiresAction(OssAction.GetBucketReplicationLocation, bucketArn('bucket'))
  @ApiOperation({
    operationId: 'listReplicationLocations',
    summary: 'Regions a bucket may replicate to',
    description:
      'GetBucketReplicationLocation: cross-region partners with their transfer types and RTC support (the bucket’s own region is also allowed, with `internal`).',
  })
  @ApiOkResponse({
    type: ReplicationLocations,
    description: 'The regions the bucket may replicate to, with transfer types and RTC support.',
  })
  @ApiProblemResponses(400, 404)
  async locations(@Param() params: BucketArgs, @Call() ctx: CallContext): Promise<ReplicationLocations> {
    return toLocationsView(await this.replication.locations(ctx, params.bucket));
  }
}
