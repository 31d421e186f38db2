import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators/public.decorator.js';
import { HealthRegistry, type HealthReport } from './health-indicator.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process is up and serving requests.' })
  @ApiOkResponse({ description: 'The process is up: `{"status": "ok"}`.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    operationId: 'getReadiness',
    summary:
      'Readiness: every dependency (audit store, OSS endpoint) is usable; 503 with the checks otherwise.',
  })
  @ApiOkResponse({ description: 'Every dependency is usable: `{"status": "ok", "checks": {…}}`.' })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down: `{"status": "degraded", "checks": {…}}` says which.',
  })
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, HealthReport> }> {
    const results = await this.registry.checkAll();
    const down = results.some(([, r]) => r.status === 'down');
    void reply.status(down ? 503 : 200);
    return { status: down ? 'degraded' : 'ok', checks: Object.fromEntries(results) };
  }
}
