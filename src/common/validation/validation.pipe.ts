import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldProblem } from '../errors/domain-error.js';

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

/**
 * The global pipe: DTO classes validate both REST bodies/queries and GraphQL inputs/args.
 *
 * The request flow validates input *before* authorizing it (DESIGN §5), but Nest runs guards before
 * pipes. So the guard validates a handler's inputs through this same pipe first
 * (`validateHandlerInput`), and the pipe remembers each validated object: when Nest then runs the pipe
 * on the same object, it answers the already validated and transformed instance instead of validating
 * twice.
 */
export class GatewayValidationPipe extends ValidationPipe {
  private readonly validated = new WeakMap<object, Map<unknown, unknown>>();

  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) =>
        DomainError.validation(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const key = typeof value === 'object' && value !== null ? value : undefined;
    const earlier = key ? this.validated.get(key)?.get(metadata.metatype) : undefined;
    if (earlier !== undefined) {
      return earlier;
    }
    const result: unknown = await super.transform(value, metadata);
    if (key) {
      const byType = this.validated.get(key) ?? new Map<unknown, unknown>();
      byType.set(metadata.metatype, result);
      this.validated.set(key, byType);
    }
    return result;
  }
}

/** One pipe for the whole process: the guard and Nest's pipe stage must share its memory. */
export const gatewayValidationPipe = new GatewayValidationPipe();
