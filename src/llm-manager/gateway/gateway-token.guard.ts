import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiTokenService } from '../api-tokens/api-token.service';
import { allowsIp, allowsModel } from '../api-tokens/token-controls';
import { LlmManagerError } from '../common/llm-manager.error';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const GATEWAY_CALLER = Symbol('llm-mgr gateway caller');

/** Who a gateway request acts as, and which models its token may name. */
export class GatewayCaller {
  constructor(
    readonly userId: string,
    /** The token's id: what per-token budgets match on. */
    readonly tokenId: number,
    private readonly allowedModels: string[] | null,
  ) {}

  /** Whether the token may name `model`. */
  mayUse(model: string): boolean {
    return allowsModel(this.allowedModels, model);
  }

  /** @throws LlmManagerError `FORBIDDEN` when the token may not name `model`. */
  requireModel(model: string): void {
    if (this.mayUse(model)) return;
    throw new LlmManagerError('FORBIDDEN', `This token may not use the model '${model}'. GET /v1/models lists the models it may use.`, {
      details: { model },
    });
  }
}

interface GatewayRequest {
  headers: Record<string, unknown>;
  ip?: string;
  socket?: { remoteAddress?: string };
  [GATEWAY_CALLER]?: GatewayCaller;
}

/**
 * The gateway's door: `Authorization: Bearer llmu_…`, a per-user token issued by the admin. Only user tokens open
 * it, in a host app as on the standalone server; an unknown, malformed, revoked or expired token is a 401, a token
 * used from an address outside its allow-list a 403.
 */
@Injectable()
export class GatewayTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const header = request.headers['authorization'];
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) {
      throw new LlmManagerError('UNAUTHENTICATED', 'Send your llm-mgr user token as "Authorization: Bearer llmu_…" (the admin issues it).');
    }
    const check = await this.tokens.authenticate(token);
    if (!check.ok && check.reason === 'expired') {
      throw new LlmManagerError('UNAUTHENTICATED', `This token expired at ${check.expiredAt}. Ask the administrator for a new llmu_ token.`);
    }
    if (!check.ok) {
      throw new LlmManagerError('UNAUTHENTICATED', 'This token is unknown or revoked. Ask the administrator for a valid llmu_ token.');
    }
    // Express's `ip` honours the host's `trust proxy` setting; the socket's address otherwise.
    if (!allowsIp(check.allowedIps, request.ip ?? request.socket?.remoteAddress)) {
      throw new LlmManagerError('FORBIDDEN', 'This token may not be used from this address. Ask the administrator to add it to the token\'s allowedIps.');
    }
    request[GATEWAY_CALLER] = new GatewayCaller(check.userId, check.tokenId, check.allowedModels);
    return true;
  }
}

/** The caller the gateway token stands for. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): GatewayCaller => {
  const caller = context.switchToHttp().getRequest<GatewayRequest>()[GATEWAY_CALLER];
  if (caller === undefined) throw new Error('Caller used on a route without GatewayTokenGuard.');
  return caller;
});

