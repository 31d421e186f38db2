import { type ComplexityEstimatorArgs, Query, Resolver } from '@nestjs/graphql';
import { Args } from '../request/nest/input.decorators.js';
import { RequiresAction } from '../auth/decorators/requires-action.decorator.js';
import { GatewayAction } from '../auth/ram/actions.js';
import { toAuditEventPage, toAuditQueryFilter, toAuditVerificationType } from './audit-event.mapper.js';
import { AuditIntegrityService } from './audit-integrity.service.js';
import { AUDIT_PAGE_MAX, AuditService } from './audit.service.js';
import { AuditEventPage } from './dto/audit-event.type.js';
import { AuditVerificationType } from './dto/audit-verification.type.js';
import { AuditEventsArgs } from './dto/audit-events.args.js';
import { AuditVerificationArgs, verificationWindow } from './dto/audit-verification.args.js';

@Resolver(() => AuditEventPage)
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  @Query(() => AuditEventPage, {
    nullable: true,
    name: 'auditEvents',
    // Declared cost (GATEWAY_GRAPHQL_MAX_COST): one per 100 events of the page; a page size given by
    // a variable is costed as the largest page.
    complexity: ({ args }: ComplexityEstimatorArgs) =>
      Math.ceil((typeof args.first === 'number' ? args.first : AUDIT_PAGE_MAX) / 100),
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
  async auditVerification(@Args() args: AuditVerificationArgs): Promise<AuditVerificationType> {
    return toAuditVerificationType(await this.integrity.verify(verificationWindow(args)));
  }
}
