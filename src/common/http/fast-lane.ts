import {
  type ArgumentMetadata,
  type ExceptionFilter,
  type ExecutionContext,
  RequestMethod,
} from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PIPES_METADATA,
  REDIRECT_METADATA,
  RENDER_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ApplicationConfig } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { routeArgumentsOf } from '../request-context/route-arguments.js';
import { gatewayValidationPipe, NOT_SETTLED } from '../validation/validation.pipe.js';

/** What `@FastLane()` leaves in the route's Fastify config. */
interface FastLaneMark {
  controller: new (...args: never[]) => object;
  handler: (...args: unknown[]) => unknown;
}

/** The decision the lane asks of the global guard (`RamGuard.decideSettled`). */
export interface SettledGuard {
  decideSettled(context: ExecutionContext): true | undefined;
}

type ArgumentReader = (req: FastifyRequest, reply: FastifyReply, context: ExecutionContext) => unknown;

/**
 * Marks a GET handler for the REST fast lane (see {@link installFastLane}). The handler keeps its Nest
 * route, its OpenAPI description and its permission; the lane only skips Nest's per-request glue when
 * the guard can decide without waiting.
 */
export function FastLane(): MethodDecorator {
  return (target, key, descriptor) => {
    const mark: FastLaneMark = {
      controller: (target as { constructor: FastLaneMark['controller'] }).constructor,
      handler: descriptor.value as FastLaneMark['handler'],
    };
    RouteConfig({ fastLane: mark })(target, key, descriptor);
  };
}

/** Why a handler cannot take the lane; the app refuses to start rather than skip a stage silently. */
function refuse(mark: FastLaneMark, why: string): never {
  throw new Error(`@FastLane() on ${mark.controller.name}.${mark.handler.name}: ${why}`);
}

/** How to build each argument of a marked handler, checked once when its route is registered. */
function argumentReaders(mark: FastLaneMark): ArgumentReader[] {
  const { controller, handler } = mark;
  if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) {
    refuse(mark, 'only GET handlers take the fast lane');
  }
  for (const key of [
    HTTP_CODE_METADATA,
    HEADERS_METADATA,
    REDIRECT_METADATA,
    RENDER_METADATA,
    SSE_METADATA,
  ]) {
    if (Reflect.getMetadata(key, handler) !== undefined) {
      refuse(mark, `the lane does not apply ${key}`);
    }
  }
  for (const key of [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA]) {
    const own = [Reflect.getMetadata(key, handler), Reflect.getMetadata(key, controller)] as unknown[];
    if (own.some((list) => Array.isArray(list) && list.length > 0)) {
      refuse(mark, `the lane runs only the global guard, pipe and filter, not ${key}`);
    }
  }
  const readers: ArgumentReader[] = [];
  for (const arg of routeArgumentsOf(controller, handler)) {
    if ((arg.pipes?.length ?? 0) > 0) {
      refuse(mark, 'parameter pipes are not applied by the lane');
    }
    if (arg.custom && arg.factory) {
      // Custom decorators (`@Call()`): their factory, as Nest calls it; the global pipe passes them through.
      const { factory, data } = arg;
      readers[arg.index] = (_req, _reply, context) => factory(data, context);
      continue;
    }
    const type = arg.type as RouteParamtypes;
    if ((type !== RouteParamtypes.PARAM && type !== RouteParamtypes.QUERY) || arg.data !== undefined) {
      refuse(mark, 'only whole @Param() and @Query() objects and custom decorators are supported');
    }
    const metadata: ArgumentMetadata = {
      type: type === RouteParamtypes.PARAM ? 'param' : 'query',
      metatype: arg.metatype as ArgumentMetadata['metatype'],
    };
    const source = type === RouteParamtypes.PARAM ? 'params' : 'query';
    readers[arg.index] = (req) => {
      // The guard decided on input the pipe settles synchronously, so this is the validated instance.
      const value = gatewayValidationPipe.transformSettled(req[source], metadata);
      if (value === NOT_SETTLED) {
        throw new Error(
          `${mark.controller.name}.${mark.handler.name}: ${source} not settled after the guard`,
        );
      }
      return value;
    };
  }
  if (readers.length !== handler.length || readers.some((reader) => reader === undefined)) {
    refuse(mark, 'every parameter needs a decorator the lane supports');
  }
  return readers;
}

/**
 * The REST fast lane. For handlers marked `@FastLane()`, a route-level Fastify `preHandler` runs
 * the same steps Nest's router would, with the same objects, but without its per-request promises and
 * context objects:
 *
 * - the global guard decides (`decideSettled`): authenticate, validate, authorize, audit;
 * - the handler's arguments come from the global pipe and the custom decorators' factories;
 * - the controller method runs, and its result is sent as Nest would send a GET handler's;
 * - any error goes to the global exception filter, which answers exactly as on the Nest path.
 *
 * When the guard cannot decide without waiting (a JWT, input only the full pipe can check, a bucket
 * region not yet cached), the lane steps aside and Nest's route handles the request as always. The
 * app refuses to start when a marked handler uses anything the lane does not apply, or when global
 * interceptors exist (the lane would skip them).
 */
export function installFastLane(
  app: NestFastifyApplication,
  guard: SettledGuard,
  filter: ExceptionFilter,
): void {
  const config = (app as unknown as { config?: unknown }).config;
  if (!(config instanceof ApplicationConfig)) {
    throw new Error('The REST fast lane cannot read the application config to check for interceptors');
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const mark = (route.config as { fastLane?: FastLaneMark })?.fastLane;
    if (!mark) {
      return;
    }
    if (config.getGlobalInterceptors().length > 0 || config.getGlobalRequestInterceptors().length > 0) {
      refuse(mark, 'global interceptors would be skipped');
    }
    const readers = argumentReaders(mark);
    let controller: object | undefined;
    const lane = (req: FastifyRequest, reply: FastifyReply, next: () => void): void => {
      const context = new ExecutionContextHost([req, reply, next], mark.controller, mark.handler);
      const fail = (error: unknown): void => {
        filter.catch(error, context);
      };
      try {
        if (guard.decideSettled(context) === undefined) {
          next();
          return;
        }
        controller ??= app.get(mark.controller);
        const args = readers.map((read) => read(req, reply, context));
        const result = mark.handler.apply(controller, args);
        Promise.resolve(result)
          .then((body) => {
            void reply.send(body);
          }, fail)
          .catch(fail);
      } catch (error) {
        fail(error);
      }
    };
    const existing = route.preHandler;
    route.preHandler = existing === undefined ? lane : [...[existing].flat(), lane];
  });
}
