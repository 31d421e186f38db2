import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  RESOLVER_NAME_METADATA,
  RESOLVER_PROPERTY_METADATA,
  RESOLVER_REFERENCE_METADATA,
  RESOLVER_TYPE_METADATA,
} from '@nestjs/graphql';
import { IS_PUBLIC } from './decorators/public.decorator.js';
import {
  type ActionRequirement,
  AUTHENTICATED,
  REQUIRES_ACTION,
  type ResourceSelector,
} from './decorators/requires-action.decorator.js';

/** One REST route or GraphQL resolver with what it declares. */
export interface EndpointPermission {
  /** `MeController.me`, `MeResolver.permissions`. */
  handler: string;
  transport: 'http' | 'graphql';
  /** `GET /v1/me`, `Query.me`, `CallerIdentity.permissions`. */
  route: string;
  /** `public`, `authenticated`, `oss:PutBucketRtc on bucket(:bucket)`, or `UNDECLARED`. */
  permission: string;
  declared: boolean;
}

export function describeSelector(selector: ResourceSelector): string {
  switch (selector.kind) {
    case 'bucket':
      return `bucket(${selector.param})`;
    case 'parentBucket':
      return 'bucket(parent.bucket)';
    case 'static':
      return selector.resource;
  }
}

function describe(requirement: ActionRequirement | undefined, isPublic: boolean): string {
  if (requirement?.action === AUTHENTICATED) {
    return AUTHENTICATED;
  }
  if (requirement) {
    const extra = requirement.context ? ' +context' : '';
    return `${requirement.action} on ${describeSelector(requirement.resource)}${extra}`;
  }
  return isPublic ? 'public' : 'UNDECLARED';
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
  return `/${joined}`;
}

function paths(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.map(String);
  }
  return [typeof value === 'string' ? value : '/'];
}

/**
 * Enumerates every controller route and every resolver method (queries, mutations, subscriptions,
 * field resolvers) of a booted application, with the permission each declares. Used at start-up to
 * refuse undeclared handlers and by the permission snapshot test.
 */
export function collectEndpointPermissions(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): EndpointPermission[] {
  const out: EndpointPermission[] = [];
  const declaration = (method: object, cls: object): { permission: string; declared: boolean } => {
    const targets = [method, cls] as Array<() => unknown>;
    const requirement = reflector.getAllAndOverride<ActionRequirement | undefined>(REQUIRES_ACTION, targets);
    const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    return { permission: describe(requirement, isPublic), declared: requirement !== undefined || isPublic };
  };

  for (const wrapper of discovery.getControllers()) {
    const cls = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!cls || typeof cls !== 'function') {
      continue;
    }
    const prefixes = paths(Reflect.getMetadata(PATH_METADATA, cls));
    for (const name of scanner.getAllMethodNames(cls.prototype as object)) {
      const method = (cls.prototype as Record<string, unknown>)[name];
      if (typeof method !== 'function' || Reflect.getMetadata(PATH_METADATA, method) === undefined) {
        continue;
      }
      const verb = RequestMethod[(Reflect.getMetadata(METHOD_METADATA, method) as RequestMethod) ?? 0];
      for (const prefix of prefixes) {
        for (const path of paths(Reflect.getMetadata(PATH_METADATA, method))) {
          out.push({
            handler: `${cls.name}.${name}`,
            transport: 'http',
            route: `${verb} ${joinPath(prefix, path)}`,
            ...declaration(method, cls),
          });
        }
      }
    }
  }

  const seen = new Set<unknown>();
  for (const wrapper of discovery.getProviders()) {
    const cls = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!cls || typeof cls !== 'function' || !cls.prototype || seen.has(cls)) {
      continue;
    }
    seen.add(cls);
    const parentType = Reflect.getMetadata(RESOLVER_TYPE_METADATA, cls) as string | undefined;
    for (const name of scanner.getAllMethodNames(cls.prototype as object)) {
      const method = (cls.prototype as Record<string, unknown>)[name];
      if (typeof method !== 'function') {
        continue;
      }
      const rootType = Reflect.getMetadata(RESOLVER_TYPE_METADATA, method) as string | undefined;
      const isField = Reflect.getMetadata(RESOLVER_PROPERTY_METADATA, method) === true;
      const isReference = Reflect.getMetadata(RESOLVER_REFERENCE_METADATA, method) !== undefined;
      if (rootType === undefined && !isField && !isReference) {
        continue;
      }
      const fieldName = (Reflect.getMetadata(RESOLVER_NAME_METADATA, method) as string | undefined) ?? name;
      const route = isField
        ? `${parentType ?? '?'}.${fieldName}`
        : isReference
          ? `${parentType ?? '?'}.__resolveReference`
          : `${rootType}.${fieldName}`;
      out.push({ handler: `${cls.name}.${name}`, transport: 'graphql', route, ...declaration(method, cls) });
    }
  }
  return out.sort((a, b) =>
    a.route < b.route ? -1 : a.route > b.route ? 1 : a.handler.localeCompare(b.handler),
  );
}

export class UndeclaredPermissionError extends Error {
  constructor(readonly endpoints: EndpointPermission[]) {
    super(
      `Refusing to start: every route and resolver needs @RequiresAction(...) or @Public(); missing on:\n${endpoints
        .map((e) => `  - ${e.route} (${e.handler})`)
        .join('\n')}`,
    );
    this.name = 'UndeclaredPermissionError';
  }
}

/** Refuses to start the application when any route or resolver declares neither an action nor @Public(). */
@Injectable()
export class PermissionSurfaceVerifier implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const undeclared = collectEndpointPermissions(this.discovery, this.scanner, this.reflector).filter(
      (e) => !e.declared,
    );
    if (undeclared.length > 0) {
      throw new UndeclaredPermissionError(undeclared);
    }
  }
}
