import type { ActionRequirement } from '../auth/decorators/requires-action.decorator.js';

/** The "action" of `@RequiresAuthentication()`: any authenticated caller (still audited). */
export const AUTHENTICATED = 'authenticated';

/** What a handler declares about who may call it. */
export type EndpointAccess =
  /** `@Public()`: no authentication, no authorization, no audit. */
  | { kind: 'public' }
  /** Neither `@Public()` nor `@RequiresAction`: denied (and the app refuses to start). */
  | { kind: 'undeclared' }
  /** `@RequiresAction` / `@RequiresAuthentication`. */
  | { kind: 'requires'; requirement: ActionRequirement };

/** Where an input of a handler is read from: REST params, query, body, or the GraphQL arguments. */
export type InputSource = 'params' | 'query' | 'body' | 'args';

/** One handler parameter that carries caller input, validated before the request is authorized. */
export interface EndpointInput {
  source: InputSource;
  /** One property of the source (`@Args('input')`, `@Query('dryRun')`), or undefined for all of it. */
  name?: string;
  /** The parameter's declared class (a DTO with class-validator rules). */
  metatype: new (...args: never[]) => unknown;
}

/** A REST route or GraphQL resolver as the request pipeline sees it, read once at start-up. */
export interface Endpoint {
  /** `ReplicationController.list`, `ReplicationResolver.progress`. */
  name: string;
  access: EndpointAccess;
  /** The inputs to validate, in parameter order; only DTO classes (never primitives). */
  inputs: readonly EndpointInput[];
}
