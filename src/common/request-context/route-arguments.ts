import { CUSTOM_ROUTE_ARGS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { ExecutionContext } from '@nestjs/common';

/** One decorated handler parameter, as Nest's parameter decorators record it. */
export interface RouteArgument {
  /** Nest's parameter kind (`RouteParamtypes`, or GraphQL's); NaN for a custom decorator. */
  type: number;
  /** A custom parameter decorator (`createParamDecorator`), built by `factory`. */
  custom: boolean;
  index: number;
  data?: unknown;
  pipes?: unknown[];
  factory?: (data: unknown, context: ExecutionContext) => unknown;
  /** The parameter's declared class (`design:paramtypes`). */
  metatype: unknown;
}

type Recorded = Omit<RouteArgument, 'type' | 'custom' | 'metatype'>;

/** The decorated parameters of `controller.handler`: read from metadata, so call it once per handler. */
export function routeArgumentsOf(controller: object, handler: { name: string }): RouteArgument[] {
  const recorded = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    Recorded
  >;
  const prototype = (controller as { prototype: object }).prototype;
  const types = (Reflect.getMetadata('design:paramtypes', prototype, handler.name) ?? []) as unknown[];
  return Object.entries(recorded).map(([key, arg]) => ({
    ...arg,
    type: Number(key.split(':')[0]),
    custom: key.includes(CUSTOM_ROUTE_ARGS_METADATA),
    metatype: types[arg.index],
  }));
}
