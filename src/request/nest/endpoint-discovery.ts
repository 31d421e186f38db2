import { RequestMethod } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  RESOLVER_NAME_METADATA,
  RESOLVER_PROPERTY_METADATA,
  RESOLVER_REFERENCE_METADATA,
  RESOLVER_TYPE_METADATA,
} from '@nestjs/graphql';
import { IS_PUBLIC } from '../../auth/decorators/public.decorator.js';
import { type ActionRequirement, REQUIRES_ACTION } from '../../auth/decorators/requires-action.decorator.js';
import type { Endpoint, EndpointAccess, EndpointInput } from '../endpoint.js';
import { recordedInputsOf } from './input.decorators.js';

/**
 * The metadata keys of Nest's `@Controller()` and `@Get()`/`@Post()`… (`PATH_METADATA`,
 * `METHOD_METADATA`): Nest exports the constants only from a subpath, which the lint forbids.
 */
const NEST_ROUTE_PATH = 'path';
const NEST_ROUTE_METHOD = 'method';

/** Types Nest's validation pipe does not validate as classes: such parameters are not inputs. */
const NOT_DTO = new Set<unknown>([undefined, String, Boolean, Number, Array, Object, Buffer, Date]);

type Class = abstract new (...args: never[]) => unknown;
type Handler = (...args: never[]) => unknown;

/** One REST route or GraphQL resolver of the application, with what the pipeline needs of it. */
export interface DiscoveredEndpoint {
  controller: Class;
  handler: Handler;
  transport: 'http' | 'graphql';
  /** `GET /v1/buckets/:bucket/replication/rules`, `Query.me`, `CallerIdentity.permissions`. */
  route: string;
  endpoint: Endpoint;
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

function accessOf(reflector: Reflector, handler: Handler, cls: Class): EndpointAccess {
  const targets = [handler, cls];
  const requirement = reflector.getAllAndOverride<ActionRequirement | undefined>(REQUIRES_ACTION, targets);
  if (requirement !== undefined) {
    return { kind: 'requires', requirement };
  }
  const isPublic = reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
  return isPublic ? { kind: 'public' } : { kind: 'undeclared' };
}

/** The parameters recorded by the input decorators whose declared type is a DTO class, in order. */
function inputsOf(cls: Class, method: string): EndpointInput[] {
  const prototype = cls.prototype as object;
  const types = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as unknown[];
  return [...recordedInputsOf(prototype, method)]
    .sort((a, b) => a.index - b.index)
    .flatMap(({ index, source, name }): EndpointInput[] => {
      const metatype = types[index];
      if (NOT_DTO.has(metatype) || typeof metatype !== 'function') {
        return [];
      }
      const input = { source, metatype: metatype as EndpointInput['metatype'] };
      return [name === undefined ? input : { ...input, name }];
    });
}

function endpointOf(reflector: Reflector, cls: Class, name: string, handler: Handler): Endpoint {
  return {
    name: `${cls.name}.${name}`,
    access: accessOf(reflector, handler, cls),
    inputs: inputsOf(cls, name),
  };
}

/**
 * Every controller route and every resolver method (queries, mutations, subscriptions, field
 * resolvers) of a booted application, with its declared access and inputs: read from the decorators
 * once, through Nest's DiscoveryService, MetadataScanner and Reflector.
 */
export function discoverEndpoints(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): DiscoveredEndpoint[] {
  const out: DiscoveredEndpoint[] = [];
  const methodsOf = (cls: Class): Array<[string, Handler]> =>
    scanner.getAllMethodNames(cls.prototype as object).flatMap((name): Array<[string, Handler]> => {
      const method = (cls.prototype as Record<string, unknown>)[name];
      return typeof method === 'function' ? [[name, method as Handler]] : [];
    });

  for (const wrapper of discovery.getControllers()) {
    const cls = wrapper.metatype as Class | undefined;
    if (typeof cls !== 'function') {
      continue;
    }
    const prefixes = paths(reflector.get<unknown>(NEST_ROUTE_PATH, cls));
    for (const [name, handler] of methodsOf(cls)) {
      const path = reflector.get<unknown>(NEST_ROUTE_PATH, handler);
      if (path === undefined) {
        continue;
      }
      const verb = RequestMethod[reflector.get<RequestMethod | undefined>(NEST_ROUTE_METHOD, handler) ?? 0];
      const endpoint = endpointOf(reflector, cls, name, handler);
      for (const prefix of prefixes) {
        for (const route of paths(path)) {
          out.push({
            controller: cls,
            handler,
            transport: 'http',
            route: `${verb} ${joinPath(prefix, route)}`,
            endpoint,
          });
        }
      }
    }
  }

  const seen = new Set<unknown>();
  for (const wrapper of discovery.getProviders()) {
    const cls = wrapper.metatype as Class | undefined;
    if (typeof cls !== 'function' || !cls.prototype || seen.has(cls)) {
      continue;
    }
    seen.add(cls);
    const parentType = reflector.get<string | undefined>(RESOLVER_TYPE_METADATA, cls);
    for (const [name, handler] of methodsOf(cls)) {
      const rootType = reflector.get<string | undefined>(RESOLVER_TYPE_METADATA, handler);
      const isField = reflector.get<boolean | undefined>(RESOLVER_PROPERTY_METADATA, handler) === true;
      const isReference = reflector.get<unknown>(RESOLVER_REFERENCE_METADATA, handler) !== undefined;
      if (rootType === undefined && !isField && !isReference) {
        continue;
      }
      const fieldName = reflector.get<string | undefined>(RESOLVER_NAME_METADATA, handler) ?? name;
      const route = isField
        ? `${parentType ?? '?'}.${fieldName}`
        : isReference
          ? `${parentType ?? '?'}.__resolveReference`
          : `${rootType}.${fieldName}`;
      out.push({
        controller: cls,
        handler,
        transport: 'graphql',
        route,
        endpoint: endpointOf(reflector, cls, name, handler),
      });
    }
  }
  return out.sort((a, b) =>
    a.route < b.route ? -1 : a.route > b.route ? 1 : a.endpoint.name.localeCompare(b.endpoint.name),
  );
}
