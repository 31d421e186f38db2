import { Controller, HttpCode, Post } from '@nestjs/common';
import { Body } from '../request/nest/input.decorators.js';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from './caller/caller.js';
import { CurrentCaller } from './decorators/current-caller.decorator.js';
import { RequiresAction } from './decorators/requires-action.decorator.js';
import { PolicySimulation } from './dto/policy-simulation.type.js';
import { SimulatePolicyInput } from './dto/simulate-policy.input.js';
import { GatewayAction } from './ram/index.js';
import { SimulationService } from './simulation.service.js';

@ApiTags('authorization')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('v1/authz')
export class SimulationController {
  constructor(private readonly simulation: SimulationService) {}

  @Post('simulate')
  @HttpCode(200)
  @RequiresAction(GatewayAction.SimulatePolicy)
  @ApiOperation({
    operationId: 'simulatePolicy',
    summary: 'Simulate a RAM policy decision',
    description:
      'Evaluates `action` on `resource` in `context` against the given policy documents, a configured principal’s policies, or (with neither) the caller’s own. Nothing is forwarded to OSS.',
  })
  @ApiBody({
    type: SimulatePolicyInput,
    examples: {
      principal: {
        summary: 'May the demo rtc-operator enable RTC on demo-source?',
        value: {
          principal: 'rtc-operator',
          action: 'oss:PutBucketRtc',
          resource: 'acs:oss:cn-hangzhou:*:demo-source',
        },
      },
      policies: {
        summary: 'An inline policy document, with condition context',
        value: {
          policies: [
            {
              Version: '1',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'oss:GetBucketReplication',
                  Resource: 'acs:oss:*:*:demo-*',
                  Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
                },
              ],
            },
          ],
          action: 'oss:GetBucketReplication',
          resource: 'acs:oss:cn-hangzhou:*:demo-source',
          context: { 'acs:SourceIp': '10.0.0.1' },
        },
      },
      caller: {
        summary: 'The caller’s own policies',
        value: { action: 'oss:DeleteBucketReplication', resource: 'acs:oss:cn-hangzhou:*:demo-source' },
      },
    },
  })
  @ApiOkResponse({
    type: PolicySimulation,
    description:
      'The decision, the statements that decided it and the context keys the policies needed but did not get.',
  })
  @ApiBadRequestResponse({
    description: 'Malformed input or policy document; `errors[].field` is the JSON path.',
  })
  @ApiNotFoundResponse({ description: 'The principal is not configured.' })
  simulate(@CurrentCaller() caller: Caller, @Body() input: SimulatePolicyInput): PolicySimulation {
    return this.simulation.simulate(caller, input);
  }
}
