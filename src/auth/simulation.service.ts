import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type FieldProblem } from '../common/errors/domain-error.js';
import type { Caller } from './caller/caller.js';
import type { AuthorizationDecision, PolicyEffect } from './dto/authorization-enums.js';
import type { PolicySimulation } from './dto/policy-simulation.type.js';
import type { SimulatePolicyInput } from './dto/simulate-policy.input.js';
import { PrincipalsStore } from './principals/principals-store.js';
import {
  compilePolicies,
  evaluate,
  InvalidContextError,
  parsePolicyDocument,
  type CompiledPolicySet,
  type PolicyDocument,
} from './ram/index.js';

function fieldPath(index: number, inner: string): string {
  const base = `policies[${index}]`;
  if (inner === '$' || inner === '') {
    return base;
  }
  return inner.startsWith('[') ? `${base}${inner}` : `${base}.${inner}`;
}

/**
 * `simulatePolicy`: evaluates an action on a resource in a given context against inline policy
 * documents, a configured principal's policies, or the caller's own (DESIGN.md §2 "Simulate").
 */
@Injectable()
export class SimulationService {
  constructor(private readonly principals: PrincipalsStore) {}

  simulate(caller: Caller, input: SimulatePolicyInput): PolicySimulation {
    const inline = input.policies !== undefined;
    if (inline && input.principal !== undefined) {
      throw DomainError.validation([
        { field: 'principal', message: 'give either policies or principal, not both' },
      ]);
    }
    let set: CompiledPolicySet;
    if (inline) {
      set = this.compileInline(input.policies!);
    } else if (input.principal !== undefined) {
      const principal = this.principals.current().principals.get(input.principal);
      if (!principal) {
        throw new DomainError(
          ErrorCode.PrincipalNotFound,
          `No principal "${input.principal}" is configured.`,
        );
      }
      set = principal.policySet;
    } else {
      set = caller.policySet;
    }
    let decision;
    try {
      decision = evaluate(set, {
        action: input.action,
        resource: input.resource,
        context: input.context ?? {},
      });
    } catch (error) {
      if (error instanceof InvalidContextError) {
        throw DomainError.validation([{ field: 'context', message: error.message }]);
      }
      throw error;
    }
    return {
      decision: decision.decision as AuthorizationDecision,
      matchedStatements: decision.matchedStatements.map((m) => ({
        policy: inline ? Number(m.policy) : m.policy,
        statement: m.statement,
        ...(m.sid !== undefined ? { sid: m.sid } : {}),
        effect: m.effect as PolicyEffect,
      })),
      missingContextKeys: decision.missingContextKeys,
    };
  }

  private compileInline(policies: ReadonlyArray<Record<string, unknown>>): CompiledPolicySet {
    const problems: FieldProblem[] = [];
    const documents: Array<{ name: string; document: PolicyDocument }> = [];
    policies.forEach((policy, index) => {
      const parsed = parsePolicyDocument(policy);
      if (parsed.ok) {
        documents.push({ name: String(index), document: parsed.document });
      } else {
        problems.push(
          ...parsed.problems.map((p) => ({ field: fieldPath(index, p.path), message: p.message })),
        );
      }
    });
    if (problems.length > 0) {
      throw DomainError.validation(problems, 'A policy document is not valid.');
    }
    return compilePolicies(documents);
  }
}
