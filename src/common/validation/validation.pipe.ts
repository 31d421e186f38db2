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

/** One `each: true` rule, applied to a single element of the array. */
interface ElementRule {
  /** Whether the element passes; undefined when the rule cannot tell at once (asynchronous). */
  passes(element: unknown, object: object): boolean | undefined;
  /** The rule's message about that element, named `label` (`prefixes[3]`). */
  message(element: unknown, object: object, label: string): string;
}

const elementRules = new WeakMap<object, Map<string, Map<string, ElementRule>>>();

/** class-validator's message tokens, filled as it fills them, for one element instead of the array. */
function fillMessage(template: string, args: ValidationArguments): string {
  let message = template;
  args.constraints.forEach((constraint: unknown, i) => {
    const text = Array.isArray(constraint) ? constraint.join(', ') : String(constraint);
    message = message.replaceAll(`$constraint${i + 1}`, text);
  });
  if (['string', 'number', 'boolean'].includes(typeof args.value)) {
    message = message.replaceAll('$value', String(args.value));
  }
  return message.replaceAll('$property', args.property).replaceAll('$target', args.targetName);
}

/** The `each: true` rules of a property, by the constraint name class-validator reports them under. */
function elementRulesOf(target: object, property: string): Map<string, ElementRule> {
  const type = target.constructor as Constructor;
  let byProperty = elementRules.get(type);
  if (!byProperty) {
    byProperty = new Map();
    elementRules.set(type, byProperty);
  }
  let rules = byProperty.get(property);
  if (!rules) {
    rules = new Map();
    const storage = getMetadataStorage();
    for (const rule of storage.getTargetValidationMetadatas(type, '', false, false)) {
      if (
        rule.propertyName !== property ||
        rule.each !== true ||
        rule.type !== ValidationTypes.CUSTOM_VALIDATION
      ) {
        continue;
      }
      const constraints = (rule.constraints as unknown[] | undefined) ?? [];
      const argsOf = (value: unknown, object: object, label = property): ValidationArguments => ({
        value,
        constraints,
        targetName: type.name,
        object,
        property: label,
      });
      for (const constraint of storage.getTargetValidatorConstraints(rule.constraintCls)) {
        const instance = constraint.instance as PropertyCheck & {
          defaultMessage?: (args: ValidationArguments) => string;
        };
        rules.set(constraint.name, {
          passes: (element, object) => {
            const result = instance.validate(element, argsOf(element, object));
            return typeof result === 'boolean' ? result : undefined;
          },
          message: (element, object, label) => {
            const args = argsOf(element, object, label);
            const template =
              typeof rule.message === 'function'
                ? rule.message(args)
                : (rule.message ?? instance.defaultMessage?.(args) ?? '');
            // Built-in messages of `each` rules start "each value in $property"; about one element, they do not.
            return fillMessage(template, args).replace(/^each value in /, '');
          },
        });
      }
    }
    byProperty.set(property, rules);
  }
  return rules;
}

/**
 * The problems of one property: one per field, the first rule it breaks, with each element of an array
 * a field of its own (`prefixes[3]`). class-validator checks a property's rules in the reverse order
 * of its decorators (decorators apply bottom-up), so the first rule written is the last one reported.
 */
function problemsOfProperty(error: ValidationError, field: string): FieldProblem[] {
  const broken = Object.entries(error.constraints ?? {}).reverse();
  if (broken.length === 0) {
    return [];
  }
  const elements = Array.isArray(error.value) ? (error.value as unknown[]) : undefined;
  const object = error.target;
  const rules = elements && object ? elementRulesOf(object, error.property) : new Map<string, ElementRule>();
  const whole = broken.filter(([name]) => !rules.has(name));
  const perElement = broken.flatMap(([name]) => rules.get(name) ?? []);
  const problems: FieldProblem[] = whole.length > 0 ? [{ field, message: whole[0][1] }] : [];
  if (elements && object && perElement.length > 0) {
    const before = problems.length;
    elements.forEach((element, index) => {
      const first = perElement.find((rule) => rule.passes(element, object) === false);
      if (first) {
        const label = `${error.property}[${index}]`;
        problems.push({ field: `${field}[${index}]`, message: first.message(element, object, label) });
      }
    });
    if (problems.length === before && whole.length === 0) {
      // No element could be named (an asynchronous rule): the property still gets its message.
      problems.push({ field, message: broken[0][1] });
    }
  }
  return problems;
}

/** Flattens class-validator's tree into `{ field: "destination.location", message }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    return [...problemsOfProperty(error, field), ...flattenValidationErrors(error.children ?? [], field)];
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
    // Every broken rule is reported, so the first one written can be picked (see problemsOfProperty);
    // the target and value name the elements of arrays.
    stopAtFirstError: false,
    validationError: { target: true, value: true },
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
