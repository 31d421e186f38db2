import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuditEventFilter } from './audit-event-filter.input.js';

/** Query string of `GET /v1/audit`: the filter fields plus the page. */
export class ListAuditEventsQuery extends AuditEventFilter {
  @ApiPropertyOptional({ description: 'Page size.', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  first?: number = 50;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  after?: string;
}
