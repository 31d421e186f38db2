import { Injectable } from '@nestjs/common';

export interface HealthReport {
  /** `degraded`: usable with a reduced guarantee (readiness stays 200, the detail says why); `down` fails readiness. */
  status: 'up' | 'degraded' | 'down';
  detail?: string;
}

/** A dependency that readiness reports on. */
export interface HealthIndicator {
  readonly name: string;
  check(): Promise<HealthReport>;
}

/** Modules register their indicators here (e.g. the audit store in onModuleInit). */
@Injectable()
export class HealthRegistry {
  private readonly indicators = new Map<string, HealthIndicator>();

  register(indicator: HealthIndicator): void {
    this.indicators.set(indicator.name, indicator);
  }

  async checkAll(): Promise<Array<[string, HealthReport]>> {
    return Promise.all(
      [...this.indicators.values()].map(
        async (i) =>
          [
            i.name,
            await i.check().catch((e: unknown): HealthReport => ({ status: 'down', detail: String(e) })),
          ] as [string, HealthReport],
      ),
    );
  }
}
