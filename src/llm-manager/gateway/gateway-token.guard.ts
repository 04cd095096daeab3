import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiTokenService } from '../api-tokens/api-token.service';
import { LlmManagerError } from '../common/llm-manager.error';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const GATEWAY_USER = Symbol('llm-mgr gateway user');
const GATEWAY_TOKEN_ID = Symbol('llm-mgr gateway token id');

/**
 * The gateway's door: `Authorization: Bearer llmu_…`, a per-user token issued by the admin. Only user tokens open
 * it, in a host app as on the standalone server; an unknown, malformed or revoked token is a 401.
 */
@Injectable()
export class GatewayTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; [GATEWAY_USER]?: string; [GATEWAY_TOKEN_ID]?: number }>();
    const header = request.headers['authorization'];
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) {
      throw new LlmManagerError('UNAUTHENTICATED', 'Send your llm-mgr user token as "Authorization: Bearer llmu_…" (the admin issues it).');
    }
    const verified = await this.tokens.verifyToken(token);
    if (verified === null) {
      throw new LlmManagerError('UNAUTHENTICATED', 'This token is unknown or revoked. Ask the administrator for a valid llmu_ token.');
    }
    request[GATEWAY_USER] = verified.userId;
    request[GATEWAY_TOKEN_ID] = verified.id;
    return true;
  }
}

/** The user the gateway token acts as. */
export const GatewayUser = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const userId = context.switchToHttp().getRequest<{ [GATEWAY_USER]?: string }>()[GATEWAY_USER];
  if (userId === undefined) throw new Error('GatewayUser used on a route without GatewayTokenGuard.');
  return userId;
});

/** The id of the token a gateway request came with (per-token budgets); `null` outside the guard. */
export function gatewayTokenId(request: object): number | null {
  return (request as { [GATEWAY_TOKEN_ID]?: number })[GATEWAY_TOKEN_ID] ?? null;
}
