import {
  type ArgumentMetadata,
  type PipeTransform,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  type ValidationArguments,
  type ValidatorOptions,
  ValidationTypes,
  validateSync,
} from 'class-validator';
import { DomainError, type FieldProblem } from '../errors/domain-error.js';

type Constructor = new () => object;

interface PropertyCheck {
  validate(value: unknown, args: ValidationArguments): unknown;
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

/** Types Nest's pipe does not validate as classes (it may convert them: its own path handles them). */
const NOT_DTO = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

/** Keys Nest's pipe strips from input before transforming it (prototype pollution). */
const PROTO_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

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

/**
 * Whether `value` is JSON-shaped all the way down: plain objects without prototype keys, arrays
 * without holes, and strings, numbers, booleans or null. On such a value Nest's pipe does nothing
 * before it transforms and validates (no nil, primitive or binary stand-in, no key to strip, no gap
 * to close), so transforming and validating it synchronously gives exactly its answer.
 */
function isPlainTree(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return true;
  }
  if (typeof value === 'number') {
    return true;
  }
  if (typeof value !== 'object' || depth > 64) {
    return false;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value) || !isPlainTree(value[i], depth + 1)) {
        return false;
      }
    }
    return Object.keys(value).length === value.length;
  }
  if (!isPlainRecord(value)) {
    return false;
  }
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || PROTO_KEYS.has(key)) {
      return false;
    }
    if (!isPlainTree((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

/** How the gateway validates: what both paths of the pipe pass to class-validator. */
const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // Every broken rule is reported, so the first one written can be picked (see problemsOfProperty);
  // the target and value name the elements of arrays.
  stopAtFirstError: false,
  validationError: { target: true, value: true },
} satisfies ValidatorOptions;

function invalid(errors: ValidationError[]): DomainError {
  return DomainError.validation(flattenValidationErrors(errors));
}

/**
 * The global pipe: DTO classes validate REST params, queries and bodies and GraphQL arguments alike,
 * with class-validator (after class-transformer builds the instance).
 *
 * The request pipeline validates a handler's inputs *before* authorizing it (DESIGN §5), through this
 * same pipe; Nest's pipe stage, which runs after the guard, then gets the instance the pipeline
 * validated (remembered on the input object) instead of validating twice.
 *
 * A JSON-shaped input of a DTO class is transformed and validated synchronously, with
 * class-transformer's `plainToInstance` and class-validator's `validateSync`: the answer comes without
 * a promise, so the pipeline need not wait for it. Anything else goes through Nest's own
 * ValidationPipe with the same options. DTO rules must be synchronous (`validateSync` skips
 * asynchronous ones); `validation.pipe.property.spec.ts` checks both paths agree.
 */
export class GatewayValidationPipe implements PipeTransform<unknown, unknown> {
  /** Nest's pipe (class-transformer + class-validator): every input that is not JSON-shaped. */
  private readonly nest = new ValidationPipe({
    transform: true,
    ...VALIDATOR_OPTIONS,
    exceptionFactory: invalid,
  });
  private readonly validated = new WeakMap<object, Map<unknown, unknown>>();
  /** Where an input object keeps what this pipe made of it (see `remember`). */
  private readonly mark = Symbol('gatewayValidated');

  /** The validated instance: at once when it can be (see the class comment), else a promise. */
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') {
      // Custom parameter decorators (`@Call()`…) are not validated (`validateCustomDecorators` is off).
      return value;
    }
    const metatype = metadata.metatype as Constructor | undefined;
    if (typeof value === 'object' && value !== null) {
      const earlier = this.resultsOf(value)?.get(metatype);
      if (earlier !== undefined) {
        return earlier;
      }
    }
    if (typeof metatype !== 'function' || NOT_DTO.has(metatype)) {
      return this.nest.transform(value, metadata);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainTree(value)) {
      return this.transformByNest(value, metadata);
    }
    const entity = plainToInstance(metatype, value);
    const errors = validateSync(entity, VALIDATOR_OPTIONS);
    if (errors.length > 0) {
      throw invalid(errors);
    }
    this.remember(value, metatype, entity);
    return entity;
  }

  /** Nest's ValidationPipe; remembers what it made of an input object. */
  private async transformByNest(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await this.nest.transform(value, metadata);
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
}

/** One pipe for the whole process: the request pipeline and Nest's pipe stage share its memory. */
export const gatewayValidationPipe = new GatewayValidationPipe();
