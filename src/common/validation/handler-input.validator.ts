import type { ArgumentMetadata, ExecutionContext, Paramtype } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { RequestFacts } from '../request-context/request-facts.js';
import { routeArgumentsOf } from '../request-context/route-arguments.js';
import { gatewayValidationPipe } from './validation.pipe.js';

/** GraphQL's `@Args()` parameter type (`GqlParamtype.ARGS` in @nestjs/graphql). */
const GQL_ARGS = 3;

interface InputArgument {
  /** What the pipe is told about this argument (built once per handler). */
  metadata: ArgumentMetadata;
  read(facts: RequestFacts): unknown;
}

function metadataOf(paramtype: Paramtype, data: string | undefined, metatype: unknown): ArgumentMetadata {
  return {
    type: paramtype,
    metatype: metatype as ArgumentMetadata['metatype'],
    ...(data !== undefined ? { data } : {}),
  };
}

const plan = new WeakMap<object, InputArgument[]>();

/** The REST parameter kinds that carry caller input, and where each is read from. */
const HTTP_SOURCES = new Map<number, { paramtype: Paramtype; from: (f: RequestFacts) => unknown }>([
  [RouteParamtypes.BODY, { paramtype: 'body', from: (f) => f.body }],
  [RouteParamtypes.QUERY, { paramtype: 'query', from: (f) => f.query }],
  [RouteParamtypes.PARAM, { paramtype: 'param', from: (f) => f.params }],
]);

function pick(source: unknown, data: string | undefined): unknown {
  if (data === undefined) {
    return source;
  }
  return typeof source === 'object' && source !== null
    ? (source as Record<string, unknown>)[data]
    : undefined;
}

/** Which handler parameters carry caller input, how to read each, and its declared class. Cached per handler. */
function inputsOf(context: ExecutionContext, graphql: boolean): InputArgument[] {
  const handler = context.getHandler();
  const cached = plan.get(handler);
  if (cached) {
    return cached;
  }
  const inputs: InputArgument[] = [];
  for (const { type, data: given, metatype } of routeArgumentsOf(context.getClass(), handler)) {
    const data = typeof given === 'string' ? given : undefined;
    if (graphql) {
      if (type === GQL_ARGS) {
        inputs.push({ metadata: metadataOf('body', data, metatype), read: (f) => pick(f.args, data) });
      }
      continue;
    }
    const source = HTTP_SOURCES.get(type);
    if (source) {
      inputs.push({
        metadata: metadataOf(source.paramtype, data, metatype),
        read: (f) => pick(source.from(f), data),
      });
    }
  }
  plan.set(handler, inputs);
  return inputs;
}

/**
 * Validates (and transforms) the caller's input of the handler about to run, with the global
 * validation pipe, before the guard authorizes it: bad input is a 400 naming the field whoever asks.
 * Nest's own pipe stage then reuses the result.
 */
export async function validateHandlerInput(context: ExecutionContext, facts: RequestFacts): Promise<void> {
  for (const input of inputsOf(context, facts.transport === 'graphql')) {
    await gatewayValidationPipe.transform(input.read(facts), input.metadata);
  }
}

/**
 * {@link validateHandlerInput} without waiting: true when every input is settled synchronously
 * (already validated, or certainly valid by the pipe's fast path; Nest's pipe stage then builds the
 * instance); false when any needs the full pipe, and then the caller must run {@link validateHandlerInput}.
 */
export function validateHandlerInputSettled(context: ExecutionContext, facts: RequestFacts): boolean {
  for (const input of inputsOf(context, facts.transport === 'graphql')) {
    if (!gatewayValidationPipe.settles(input.read(facts), input.metadata)) {
      return false;
    }
  }
  return true;
}
