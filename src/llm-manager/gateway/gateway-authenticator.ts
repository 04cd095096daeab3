import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiTokenService } from '../api-tokens/api-token.service';
import { allowsIp } from '../api-tokens/token-controls';
import { LlmManagerError } from '../common/llm-manager.error';
import { GatewayCaller } from './gateway-caller';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The gateway's door, one check for both ways in (the Nest guard and the standalone server's fast path):
 * `Authorization: Bearer llmu_…`, a per-user token issued by the admin. An unknown, malformed, revoked or expired
 * token is a 401, a token used from an address outside its allow-list a 403.
 */
@Injectable()
export class GatewayAuthenticator {
  constructor(private readonly tokens: ApiTokenService) {}

  /**
   * The caller `headers` authenticate, from client address `ip`.
   * @throws LlmManagerError `UNAUTHENTICATED` (no, unknown, revoked or expired token), `FORBIDDEN` (address refused).
   */
  async callerFor(headers: IncomingHttpHeaders, ip: string | undefined): Promise<GatewayCaller> {
    const header = headers['authorization'];
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
    if (!allowsIp(check.allowedIps, ip)) {
      throw new LlmManagerError('FORBIDDEN', 'This token may not be used from this address. Ask the administrator to add it to the token\'s allowedIps.');
    }
    return new GatewayCaller(check.userId, check.tokenId, check.allowedModels);
  }
}
