import { Readable } from 'node:stream';
import { Controller, Get, Headers, StreamableFile } from '@nestjs/common';
import { Query } from '../request/nest/input.decorators.js';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../auth/ram/actions.js';
import type { AuditEvent } from './audit-event.js';
import { AuditVerificationArgs, verificationWindow } from './dto/audit-verification.args.js';
import {
  toAuditEventPage,
  toAuditEventType,
  toAuditQueryFilter,
  toAuditVerificationType,
} from './audit-event.mapper.js';
import { AuditIntegrityService } from './audit-integrity.service.js';
import { AuditService } from './audit.service.js';
import { AuditEventPage, AuditEventType } from './dto/audit-event.type.js';
import { AuditVerificationType } from './dto/audit-verification.type.js';
import { ListAuditEventsQuery } from './dto/list-audit-events.query.js';

export const NDJSON = 'application/x-ndjson';

/** True when the caller asks for the NDJSON export (`Accept: application/x-ndjson`). */
export function wantsNdjson(accept: string | undefined): boolean {
  return (
    accept !== undefined &&
    accept
      .split(',')
      .some(
        (part) => part.split(';')[0].trim().toLowerCase() === NDJSON && !/;\s*q=0(\.0*)?\s*(;|$)/.test(part),
      )
  );
}

/** One JSON document per line, in chunks of about 64 KiB (one write per chunk, not per event). */
async function* ndjsonChunks(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  let chunk = '';
  for await (const event of events) {
    chunk += `${JSON.stringify(toAuditEventType(event))}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) {
    yield chunk;
  }
}

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  @Get()
  @RequiresAction(GatewayAction.ListAuditEvents, { kind: 'static', resource: '*' })
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: 'The audit trail, newest first, filtered and paginated by cursor; or all of it as NDJSON.',
    description:
      'Every authorization decision and every call forwarded to OSS. Pass `nextCursor` as `after` for ' +
      'the next page; `nextCursor` is null on the last page. Dry runs are recorded with `dryRun: true`. ' +
      'With `Accept: application/x-ndjson` the answer is an export: every matching event (all pages, ' +
      'after `after` when given; `first` is ignored), one JSON event per line, streamed.',
  })
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: '`application/x-ndjson` streams every matching event, one per line.',
  })
  @ApiExtraModels(AuditEventPage, AuditEventType)
  @ApiOkResponse({
    description:
      'One page of events, newest first, and the cursor of the next; as `application/x-ndjson`, one `AuditEvent` per line.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(AuditEventPage) } },
      [NDJSON]: { schema: { $ref: getSchemaPath(AuditEventType) } },
    },
  })
  async list(
    @Query() query: ListAuditEventsQuery,
    @Headers('accept') accept: string | undefined,
  ): Promise<AuditEventPage | StreamableFile> {
    const filter = toAuditQueryFilter(query);
    if (wantsNdjson(accept)) {
      const events = await this.integrity.export(filter, query.after);
      return new StreamableFile(Readable.from(ndjsonChunks(events)), { type: NDJSON });
    }
    return toAuditEventPage(await this.audit.query(filter, query.first, query.after));
  }

  @Get('verify')
  @RequiresAction(GatewayAction.ListAuditEvents, { kind: 'static', resource: '*' })
  @ApiOperation({
    operationId: 'verifyAuditTrail',
    summary: 'Recompute the audit hash chains and name the first event that does not match.',
    description:
      'Every gateway instance keeps a hash chain of its events (`hash = sha256(previousHash ‖ canonical JSON)`). ' +
      'This recomputes every chain in the store, from its retention checkpoint when it was pruned, and ' +
      'reports per chain the first event whose hash does not match (`hash-mismatch`), that follows ' +
      'deleted events (`missing-seq`), or that does not link to the one before it (`broken-link`); for ' +
      "this instance's own chain also whether it still reaches the last event written (`head-mismatch`). " +
      'With `from`/`to` only the events of that window are checked, each chain from its first event in ' +
      'the window. Always 200: `valid` says whether the trail verified, `checked` how many events, ' +
      '`firstBrokenEventId` which event broke first.',
  })
  @ApiOkResponse({ type: AuditVerificationType, description: 'The verification report.' })
  async verify(@Query() query: AuditVerificationArgs): Promise<AuditVerificationType> {
    return toAuditVerificationType(await this.integrity.verify(verificationWindow(query)));
  }
}
