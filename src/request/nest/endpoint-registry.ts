import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Endpoint } from '../endpoint.js';
import { type DiscoveredEndpoint, discoverEndpoints } from './endpoint-discovery.js';

export class UndeclaredPermissionError extends Error {
  constructor(readonly endpoints: readonly DiscoveredEndpoint[]) {
    super(
      `Refusing to start: every route and resolver needs @RequiresAction(...) or @Public(); missing on:\n${endpoints
        .map((e) => `  - ${e.route} (${e.endpoint.name})`)
        .join('\n')}`,
    );
    this.name = 'UndeclaredPermissionError';
  }
}

/**
 * Every route and resolver of the application as the pipeline sees it, read from the decorators once
 * at start-up. The application refuses to start when any declares neither an action nor `@Public()`.
 */
@Injectable()
export class EndpointRegistry implements OnModuleInit {
  private discovered: readonly DiscoveredEndpoint[] = [];
  private readonly byClass = new Map<unknown, Map<unknown, Endpoint>>();
  /** REST endpoints by `METHOD /route/:param` (the route as Fastify knows it). */
  private readonly byRoute = new Map<string, Endpoint>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    this.discovered = discoverEndpoints(this.discovery, this.scanner, this.reflector);
    const undeclared = this.discovered.filter((e) => e.endpoint.access.kind === 'undeclared');
    if (undeclared.length > 0) {
      throw new UndeclaredPermissionError(undeclared);
    }
    for (const { controller, handler, endpoint } of this.discovered) {
      let handlers = this.byClass.get(controller);
      if (!handlers) {
        handlers = new Map();
        this.byClass.set(controller, handlers);
      }
      handlers.set(handler, endpoint);
    }
    for (const { transport, route, endpoint } of this.discovered) {
      if (transport === 'http') {
        this.byRoute.set(route, endpoint);
      }
    }
  }

  /** The endpoint of a REST route (`GET`, `/v1/me`); undefined for unknown routes and GraphQL. */
  routeEndpoint(method: string, url: string | undefined): Endpoint | undefined {
    return url === undefined ? undefined : this.byRoute.get(`${method} ${url}`);
  }

  /** Every REST route and GraphQL resolver (field resolvers included), sorted by route. */
  all(): readonly DiscoveredEndpoint[] {
    return this.discovered;
  }

  /** The endpoint of a handler; one that was not discovered at start-up declares nothing (denied). */
  endpointOf(controller: { name: string }, handler: { name: string }): Endpoint {
    return (
      this.byClass.get(controller)?.get(handler) ?? {
        name: `${controller.name}.${handler.name}`,
        access: { kind: 'undeclared' },
        inputs: [],
      }
    );
  }
}
