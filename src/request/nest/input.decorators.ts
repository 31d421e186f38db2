import {
  Body as NestBody,
  Param as NestParam,
  type PipeTransform,
  Query as NestQuery,
  type Type,
} from '@nestjs/common';
import { Args as NestArgs, type ArgsOptions } from '@nestjs/graphql';
import type { InputSource } from '../endpoint.js';

/**
 * The handler parameters that carry caller input, as these decorators record them: the request
 * pipeline validates them before it authorizes the request (DESIGN §5), and Nest's pipe stage later
 * answers the same validated instances. Use these instead of Nest's `@Param()`, `@Query()`, `@Body()`
 * and `@Args()` (lint enforces it): they apply Nest's decorator and record the parameter once.
 */
export interface RecordedInput {
  index: number;
  source: InputSource;
  name?: string;
}

const INPUTS = 'gateway:inputs';

type Pipes = Array<Type<PipeTransform> | PipeTransform>;

function recorded(
  source: InputSource,
  name: string | undefined,
  nest: ParameterDecorator,
): ParameterDecorator {
  return (target, key, index) => {
    nest(target, key, index);
    if (key === undefined) {
      return;
    }
    const known = (Reflect.getOwnMetadata(INPUTS, target, key) ?? []) as RecordedInput[];
    const input: RecordedInput = name === undefined ? { index, source } : { index, source, name };
    Reflect.defineMetadata(INPUTS, [...known, input], target, key);
  };
}

/** The inputs a handler's parameters declare (`prototype`, method name), in no particular order. */
export function recordedInputsOf(prototype: object, method: string): readonly RecordedInput[] {
  return (Reflect.getMetadata(INPUTS, prototype, method) ?? []) as RecordedInput[];
}

/** Nest's `@Param()`: the route parameters, as one DTO. */
export function Param(): ParameterDecorator {
  return recorded('params', undefined, NestParam());
}

/** Nest's `@Query()`: the query string, as one DTO. */
export function Query(): ParameterDecorator {
  return recorded('query', undefined, NestQuery());
}

/** Nest's `@Body()`: the JSON body, as one DTO. */
export function Body(): ParameterDecorator {
  return recorded('body', undefined, NestBody());
}

/** Nest GraphQL's `@Args()`: all arguments as one `@ArgsType()` DTO, or one named argument. */
export function Args(): ParameterDecorator;
export function Args(property: string, options?: ArgsOptions, ...pipes: Pipes): ParameterDecorator;
export function Args(property?: string, options?: ArgsOptions, ...pipes: Pipes): ParameterDecorator {
  if (property === undefined) {
    return recorded('args', undefined, NestArgs());
  }
  const nest = options === undefined ? NestArgs(property, ...pipes) : NestArgs(property, options, ...pipes);
  return recorded('args', property, nest);
}
