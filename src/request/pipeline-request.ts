import type { Caller } from '../auth/caller/caller.js';
import type { Decision } from '../auth/ram/index.js';
import type { RequestFacts } from '../common/request-context/request-facts.js';
import type { ActionRequirement } from '../auth/decorators/requires-action.decorator.js';
import type { Endpoint } from './endpoint.js';

/** What the pipeline leaves on `req.gateway.decision` for the audit of forwarded calls. */
export interface RequestDecision extends Decision {
  action: string;
  resource: string;
}

/** One request on its way through the pipeline; each stage fills in what it learns. */
export interface PipelineRequest {
  readonly endpoint: Endpoint;
  /** What the endpoint requires (its `@RequiresAction`). */
  readonly requirement: ActionRequirement;
  readonly facts: RequestFacts;
  /** Set by the authenticate stage. */
  caller?: Caller;
  /** Set by the authorize stage: the resource ARN and the caller's decision on it. */
  decision?: RequestDecision;
  /** Set by the authorize stage: the caller's address (`acs:SourceIp`) and user agent, as it saw them. */
  sourceIp?: string;
  userAgent?: string;
}

/** A stage answers at once (nothing, or it throws) or with a promise; the pipeline waits only then. */
export type Stage = (request: PipelineRequest) => void | Promise<void>;

/** The caller, for stages after authentication (a programming error if it is missing). */
export function callerOf(request: PipelineRequest): Caller {
  if (request.caller === undefined) {
    throw new Error(`${request.endpoint.name}: a stage needs the caller before authentication ran`);
  }
  return request.caller;
}

/** The decision, for stages after authorization. */
export function decisionOf(request: PipelineRequest): RequestDecision {
  if (request.decision === undefined) {
    throw new Error(`${request.endpoint.name}: a stage needs the decision before authorization ran`);
  }
  return request.decision;
}
