// Composes every domain's handlers into the one object the dispatcher serves. Adding a request to the
// contract without a handler here is a type error.
import type { CoreContext } from '../../context';
import { createDispatcher, type Dispatcher, type Handlers } from '../dispatcher';
import { systemHandlers } from './system';
import { terminalHandlers } from './terminal';

export function createHandlers(ctx: CoreContext): Handlers {
  return {
    ...systemHandlers(ctx),
    ...terminalHandlers(ctx),
  };
}

export function createCoreDispatcher(ctx: CoreContext): Dispatcher {
  return createDispatcher(createHandlers(ctx), { log: ctx.log, secrets: ctx.secrets });
}
