import { Query, Resolver } from '@nestjs/graphql';
import { Args } from '../request/nest/input.decorators.js';
import type { Caller } from './caller/caller.js';
import { CurrentCaller } from './decorators/current-caller.decorator.js';
import { RequiresAction } from './decorators/requires-action.decorator.js';
import { PolicySimulation } from './dto/policy-simulation.type.js';
import { SimulatePolicyInput } from './dto/simulate-policy.input.js';
import { GatewayAction } from './ram/index.js';
import { SimulationService } from './simulation.service.js';

@Resolver(() => PolicySimulation)
export class SimulationResolver {
  constructor(private readonly simulation: SimulationService) {}

  @Query(() => PolicySimulation, {
    nullable: true,
    description:
      'Simulates a RAM decision against inline policies, a configured principal, or the caller itself. ' +
      'Side-effect free, hence a query. Requires `gateway:SimulatePolicy` on `*`.',
  })
  @RequiresAction(GatewayAction.SimulatePolicy)
  simulatePolicy(
    @CurrentCaller() caller: Caller,
    @Args('input', { type: () => SimulatePolicyInput }) input: SimulatePolicyInput,
  ): PolicySimulation {
    return this.simulation.simulate(caller, input);
  }
}
