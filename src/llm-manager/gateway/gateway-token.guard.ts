import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayAuthenticator } from './gateway-authenticator';
import type { GatewayCaller } from './gateway-caller';

const GATEWAY_CALLER = Symbol('llm-mgr gateway caller');

interface GatewayRequest {
  headers: IncomingHttpHeaders;
  ip?: string;
  socket?: { remoteAddress?: string };
  [GATEWAY_CALLER]?: GatewayCaller;
}

/** The gateway's door on the controller path (host apps): the one token check of GatewayAuthenticator. */
@Injectable()
export class GatewayTokenGuard implements CanActivate {
  constructor(private readonly authenticator: GatewayAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    // Express's `ip` honours the host's `trust proxy` setting; the socket's address otherwise.
    request[GATEWAY_CALLER] = await this.authenticator.callerFor(request.headers, request.ip ?? request.socket?.remoteAddress);
    return true;
  }
}

/** The caller the gateway token stands for. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): GatewayCaller => {
  const caller = context.switchToHttp().getRequest<GatewayRequest>()[GATEWAY_CALLER];
  if (caller === undefined) throw new Error('Caller used on a route without GatewayTokenGuard.');
  return caller;
});
