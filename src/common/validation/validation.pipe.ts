import { createRequire } from 'node:module';
import {
  type ArgumentMetadata,
  type PipeTransform,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { TransformationType } from 'class-transformer';
import { getMetadataStorage, type ValidationArguments, ValidationTypes } from 'class-validator';
import { DomainError, type FieldProblem } from '../errors/domain-error.js';

/** The part of class-transformer's (undeclared) metadata storage the fast path consults. */
interface TransformerMetadataStorage {
  findTransformMetadatas(target: object, propertyName: string, type: TransformationType): unknown[];
  findTypeMetadata(target: object, propertyName: string): unknown;
  findExposeMetadata(target: object, propertyName: string): unknown;
  findExcludeMetadata(target: object, propertyName: string): unknown;
  getStrategy(target: object): string;
  getExposedMetadatas(target: object): unknown[];
  getExcludedMetadatas(target: object): unknown[];
}

// The same module instance class-transformer's own entry point (and so Nest's pipe) uses.
const transformerStorage = (
  createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
    defaultMetadataStorage: TransformerMetadataStorage;
  }
).defaultMetadataStorage;

type Constructor = new () => object;

interface PropertyCheck {
  validate(value: unknown, args: ValidationArguments): unknown;
  constraints: unknown[];
}

/**
 * A class whose every rule is a synchronous check of a string property, with no class-transformer
 * metadata: a plain object of string properties that passes every check is valid, and transforming
 * it is a property copy onto a new instance.
 */
interface FastPlan {
  metatype: Constructor;
  name: string;
  properties: Map<string, PropertyCheck[]>;
}

/** Types Nest's pipe does not validate as classes. */
const PRIMITIVE_TYPES = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

const EXCLUDED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The fast plan of a class, or undefined when any of its rules or transformations is not that simple. */
function fastPlanOf(metatype: Constructor): FastPlan | undefined {
  const rules = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false);
  if (
    rules.length === 0 ||
    transformerStorage.getStrategy(metatype) !== 'none' ||
    transformerStorage.getExposedMetadatas(metatype).length > 0 ||
    transformerStorage.getExcludedMetadatas(metatype).length > 0
  ) {
    return undefined;
  }
  const properties = new Map<string, PropertyCheck[]>();
  for (const rule of rules) {
    const property = rule.propertyName;
    if (
      rule.type !== ValidationTypes.CUSTOM_VALIDATION ||
      rule.each === true ||
      rule.always === true ||
      (rule.groups?.length ?? 0) > 0 ||
      EXCLUDED_KEYS.has(property) ||
      property in metatype.prototype ||
      transformerStorage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS)
        .length > 0 ||
      transformerStorage.findTypeMetadata(metatype, property) !== undefined ||
      transformerStorage.findExposeMetadata(metatype, property) !== undefined ||
      transformerStorage.findExcludeMetadata(metatype, property) !== undefined
    ) {
      return undefined;
    }
    const constraints = getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls);
    if (constraints.length === 0 || constraints.some((c) => c.async)) {
      return undefined;
    }
    const checks = properties.get(property) ?? [];
    for (const constraint of constraints) {
      const instance = constraint.instance as PropertyCheck;
      checks.push({
        validate: (value, args) => instance.validate(value, args),
        constraints: (rule.constraints as unknown[] | undefined) ?? [],
      });
    }
    properties.set(property, checks);
  }
  return { metatype, name: metatype.name, properties };
}

/**
 * A plain object, a null-prototype object, or an instance of an empty null-prototype class (how
 * find-my-way builds route params).
 */
function isPlainRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    return true;
  }
  return Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0;
}

/** True when `value` is a plain object whose own keys are all checked properties holding passing strings. */
function passesFastPlan(plan: FastPlan, value: object): boolean {
  if (!isPlainRecord(value)) {
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!plan.properties.has(key) || typeof record[key] !== 'string') {
      return false;
    }
  }
  for (const [property, checks] of plan.properties) {
    const propertyValue = record[property];
    if (typeof propertyValue !== 'string') {
      return false;
    }
    for (const check of checks) {
      const args: ValidationArguments = {
        value: propertyValue,
        constraints: check.constraints,
        targetName: plan.name,
        object: value,
        property,
      };
      if (check.validate(propertyValue, args) !== true) {
        return false;
      }
    }
  }
  return true;
}

/** Flattens class-validator's tree into `{ field: "destination.location", message }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** {@link GatewayValidationPipe.transformSettled}: this input needs the full, asynchronous pipe. */
export const NOT_SETTLED: unique symbol = Symbol('notSettled');

/**
 * The global pipe: DTO classes validate both REST bodies/queries and GraphQL inputs/args.
 *
 * The request flow validates input *before* authorizing it (DESIGN §5), but Nest runs guards before
 * pipes. So the guard validates a handler's inputs through this same pipe first
 * (`validateHandlerInput`). Input the full pipe validated is remembered on the input object, so Nest's
 * pipe stage answers that instance instead of validating twice; input the fast path settles is only
 * checked by the guard and built once, by the pipe stage.
 */
export class GatewayValidationPipe implements PipeTransform<unknown, unknown> {
  /** Nest's pipe (class-transformer + class-validator): every input the fast path cannot settle. */
  private readonly full = new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => DomainError.validation(flattenValidationErrors(errors)),
  });
  private readonly validated = new WeakMap<object, Map<unknown, unknown>>();
  private readonly fastPlans = new Map<Constructor, FastPlan | undefined>();
  /** Where an input object keeps what this pipe made of it (see `remember`). */
  private readonly mark = Symbol('gatewayValidated');

  /**
   * Answers synchronously when it can (custom parameters, remembered or fast-path input), so Nest's
   * pipe stage awaits a plain value rather than one more promise per parameter.
   */
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') {
      // Custom parameter decorators (`@Call()`…) are not validated (`validateCustomDecorators` is off).
      return value;
    }
    const settled = this.transformSettled(value, metadata);
    return settled !== NOT_SETTLED ? settled : this.transformFully(value, metadata);
  }

  /**
   * The synchronous part of {@link transform}: the remembered or fast-path result, or
   * {@link NOT_SETTLED} when the input needs the full (asynchronous) pipe. Never throws: every
   * rejection comes from the full pipe, with its messages.
   */
  transformSettled(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' || typeof value !== 'object' || value === null) {
      return NOT_SETTLED;
    }
    const earlier = this.resultsOf(value)?.get(metadata.metatype);
    if (earlier !== undefined) {
      return earlier;
    }
    const plan = this.fastPlanFor(metadata);
    if (plan === undefined || !passesFastPlan(plan, value)) {
      return NOT_SETTLED;
    }
    // Building the instance again costs less than remembering it on the input for the next stage.
    return Object.assign(new plan.metatype(), value);
  }

  /**
   * Whether {@link transformSettled} settles this input, without building anything: how the guard
   * checks a handler's input before authorizing it (Nest's pipe stage builds the instance after).
   */
  settles(value: unknown, metadata: ArgumentMetadata): boolean {
    if (metadata.type === 'custom' || typeof value !== 'object' || value === null) {
      return false;
    }
    if (this.resultsOf(value)?.has(metadata.metatype) === true) {
      return true;
    }
    const plan = this.fastPlanFor(metadata);
    return plan !== undefined && passesFastPlan(plan, value);
  }

  /** The full class-transformer + class-validator pipe; remembers what it made of an input object. */
  private async transformFully(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await this.full.transform(value, metadata);
    if (typeof value === 'object' && value !== null) {
      this.remember(value, metadata.metatype, result);
    }
    return result;
  }

  private resultsOf(key: object): Map<unknown, unknown> | undefined {
    return (key as Record<symbol, Map<unknown, unknown> | undefined>)[this.mark] ?? this.validated.get(key);
  }

  /**
   * Kept on the input object itself under a private, non-enumerable symbol (invisible to
   * `Object.keys`, spreads, JSON and class-transformer), which costs the collector far less than a
   * WeakMap entry per request; objects that cannot take it use the WeakMap.
   */
  private remember(key: object, metatype: unknown, result: unknown): void {
    const known = this.resultsOf(key);
    if (known) {
      known.set(metatype, result);
      return;
    }
    const byType = new Map<unknown, unknown>([[metatype, result]]);
    if (Object.isExtensible(key)) {
      Object.defineProperty(key, this.mark, { value: byType });
    } else {
      this.validated.set(key, byType);
    }
  }

  /**
   * The fast plan for this parameter (see {@link FastPlan}): an input that passes it is certainly valid,
   * and class-transformer would make it the same instance; undefined when that is not certain, so
   * every failure (and its messages) still comes from the full pipe.
   */
  private fastPlanFor(metadata: ArgumentMetadata): FastPlan | undefined {
    const metatype = metadata.metatype as Constructor | undefined;
    if (
      typeof metatype !== 'function' ||
      (metadata.type !== 'param' && metadata.type !== 'query' && metadata.type !== 'body')
    ) {
      return undefined;
    }
    let plan = this.fastPlans.get(metatype);
    if (plan === undefined && !this.fastPlans.has(metatype)) {
      plan = PRIMITIVE_TYPES.has(metatype) ? undefined : fastPlanOf(metatype);
      this.fastPlans.set(metatype, plan);
    }
    return plan;
  }
}

/** One pipe for the whole process: the guard and Nest's pipe stage must share its memory. */
export const gatewayValidationPipe = new GatewayValidationPipe();
