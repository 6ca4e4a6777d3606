// Composes every domain's handlers into the one object the dispatcher serves. Adding a request to the
// contract without a handler here is a type error. Services shared between domains (terminals used by
// runs) are created once here.
import type { CoreContext } from '../../context';
import { RunService } from '../../service/runs';
import { TerminalManager } from '../../terminal/manager';
import { createDispatcher, type Dispatcher, type Handlers } from '../dispatcher';
import { exportHandlers } from './export';
import { hostsHandlers } from './hosts';
import { installedHandlers } from './installed';
import { packagesHandlers } from './packages';
import { hostTerminalHandlers } from './host-terminal';
import { planHandlers } from './plan';
import { reviewHandlers } from './review';
import { runHandlers } from './run';
import { secretsHandlers } from './secrets';
import { systemHandlers } from './system';
import { ClientTerminals, terminalHandlers } from './terminal';

export interface CoreServices {
  terminals: TerminalManager;
  runs: RunService;
}

export function createServices(ctx: CoreContext): CoreServices {
  const terminals = new ClientTerminals(ctx.secrets);
  return { terminals, runs: new RunService(ctx, terminals) };
}

export function createHandlers(ctx: CoreContext, services: CoreServices = createServices(ctx)): Handlers {
  return {
    ...systemHandlers(ctx),
    ...planHandlers(ctx, services.runs.service),
    ...packagesHandlers(),
    ...reviewHandlers(ctx, services.runs.service),
    ...hostTerminalHandlers(ctx, services.runs.service, services.terminals),
    ...terminalHandlers(ctx, services.terminals),
    ...runHandlers(services.runs),
    ...exportHandlers(ctx, services.runs.service),
    ...hostsHandlers(ctx),
    ...installedHandlers(ctx, services.runs, services.terminals),
    ...secretsHandlers(ctx),
  };
}

export function createCoreDispatcher(ctx: CoreContext, services: CoreServices = createServices(ctx)): Dispatcher {
  return createDispatcher(createHandlers(ctx, services), { log: ctx.log, secrets: ctx.secrets });
}
