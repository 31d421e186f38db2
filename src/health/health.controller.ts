import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, HealthReport> }> {
    const results = await this.registry.checkAll();
    const down = results.some(([, r]) => r.status === 'down');
    void reply.status(down ? 503 : 200);
    return { status: down ? 'degraded' : 'ok', checks: Object.fromEntries(results) };
  }
}
