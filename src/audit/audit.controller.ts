import { Controller, Get } from '@nestjs/common';
import { Query } from '../request/nest/input.decorators.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../auth/ram/actions.js';
import { toAuditEventPage, toAuditQueryFilter } from './audit-event.mapper.js';
import { AuditService } from './audit.service.js';
import { AuditEventPage } from './dto/audit-event.type.js';
import { ListAuditEventsQuery } from './dto/list-audit-events.query.js';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequiresAction(GatewayAction.ListAuditEvents, { kind: 'static', resource: '*' })
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: 'The audit trail, newest first, filtered and paginated by cursor.',
    description:
      'Every authorization decision and every call forwarded to OSS. Pass `nextCursor` as `after` for ' +
      'the next page; `nextCursor` is null on the last page. Dry runs are recorded with `dryRun: true`.',
  })
  @ApiOkResponse({
    type: AuditEventPage,
    description: 'One page of events, newest first, and the cursor of the next.',
  })
  async list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPage> {
    return toAuditEventPage(await this.audit.query(toAuditQueryFilter(query), query.first, query.after));
  }
}
