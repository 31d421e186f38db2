import { Controller, Get, Req } from '@nestjs/common';
import { Query } from '../request/nest/input.decorators.js';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '../common/errors/problem.dto.js';
import type { GatewayRequest } from '../common/request-context/request-facts.js';
import { AuthorizationService } from './authorization.service.js';
import type { Caller } from './caller/caller.js';
import { CurrentCaller } from './decorators/current-caller.decorator.js';
import { RequiresAuthentication } from './decorators/requires-action.decorator.js';
import { BucketPermissionsArgs } from './dto/bucket-permissions.args.js';
import { BucketPermissionsResponse } from './dto/bucket-permissions.type.js';
import { CallerIdentity } from './dto/caller-identity.type.js';
import { toCallerIdentity, toPermissionsResponse } from './me.mapper.js';

@ApiTags('authorization')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('v1/me')
export class MeController {
  constructor(private readonly authorization: AuthorizationService) {}

  @Get()
  @RequiresAuthentication()
  @ApiOperation({ operationId: 'getMe', summary: 'Who the caller is: principal id, type, groups, key id.' })
  @ApiOkResponse({ type: CallerIdentity, description: 'The authenticated caller.' })
  me(@CurrentCaller() caller: Caller): CallerIdentity {
    return toCallerIdentity(caller);
  }

  @Get('permissions')
  @RequiresAuthentication()
  @ApiOperation({
    operationId: 'getMyPermissions',
    summary: 'What the caller may do on a bucket',
    description:
      'The decision (Allow, ImplicitDeny, ExplicitDeny) of the caller’s policies for each of the six replication actions on the bucket’s ARN and for the gateway’s own actions (`gateway:SimulatePolicy`, `gateway:ListAuditEvents`, on `*`), in the context of this request — for portals deciding which buttons and pages to show. 404 when the bucket does not exist — except for a caller whose policies could allow none of the six replication actions: its bucket is not looked up, and the answer (every replication action denied, on the ARN with region `*`) is the same whether the bucket exists or not.',
  })
  @ApiQuery({ name: 'bucket', description: 'The source bucket.', example: 'demo-source' })
  @ApiOkResponse({
    type: BucketPermissionsResponse,
    description: 'The decision for each action on the bucket’s ARN.',
  })
  @ApiProblemResponses(400, 401, 404)
  async permissions(
    @CurrentCaller() caller: Caller,
    @Query() args: BucketPermissionsArgs,
    @Req() req: GatewayRequest,
  ): Promise<BucketPermissionsResponse> {
    return toPermissionsResponse(await this.authorization.permissionsOn(caller, args.bucket, req, 'http'));
  }
}
