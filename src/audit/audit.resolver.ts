import { Query, Resolver } from '@nestjs/graphql';
import { Args } from '../request/nest/input.decorators.js';
import { RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../auth/ram/actions.js';
import { toAuditEventPage, toAuditQueryFilter, toAuditVerificationType } from './audit-event.mapper.js';
import { AuditIntegrityService } from './audit-integrity.service.js';
import { AuditService } from './audit.service.js';
import { AuditEventPage } from './dto/audit-event.type.js';
import { AuditVerificationType } from './dto/audit-verification.type.js';
import { AuditEventsArgs } from './dto/audit-events.args.js';

@Resolver(() => AuditEventPage)
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  @Query(() => AuditEventPage, {
    nullable: true,
    name: 'auditEvents',
    description:
      'The audit trail, newest first: authorization decisions and calls forwarded to OSS. ' +
      'Requires `gateway:ListAuditEvents` on `*`.',
  })
  @RequiresAction(GatewayAction.ListAuditEvents, { kind: 'static', resource: '*' })
  async auditEvents(@Args() args: AuditEventsArgs): Promise<AuditEventPage> {
    return toAuditEventPage(
      await this.audit.query(
        toAuditQueryFilter(args.filter),
        args.first ?? undefined,
        args.after ?? undefined,
      ),
    );
  }

  @Query(() => AuditVerificationType, {
    nullable: true,
    name: 'auditVerification',
    description:
      'Recomputes the audit hash chains (one per gateway instance) and names the first event that does not ' +
      'match: changed (HASH_MISMATCH), after deleted events (MISSING_SEQ), not linked to the one before ' +
      "(BROKEN_LINK), or this instance's chain cut short (HEAD_MISMATCH). Requires `gateway:ListAuditEvents` on `*`.",
  })
  @RequiresAction(GatewayAction.ListAuditEvents, { kind: 'static', resource: '*' })
  async auditVerification(): Promise<AuditVerificationType> {
    return toAuditVerificationType(await this.integrity.verify());
  }
}
