import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { hashToken, sameHash } from '../../llm-manager/api-tokens/api-token.secrets';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { ApiTokenService } from '../../llm-manager/api-tokens/api-token.service';
import type { RequestIdentity } from '../../llm-manager/common/request-identity';
import { SYSTEM_USER_ID } from '../../llm-manager/llm-manager.constants';
import { AuthFailureThrottle } from './auth-failure-throttle';

/** Injection token of the standalone server's admin token. */
export const ADMIN_TOKEN = Symbol('LLM_MGR_ADMIN_TOKEN');

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The standalone server's `resolveIdentity`: `Authorization: Bearer <admin token>` is the system user with admin
 * rights; a valid user token is that user; anything else is nobody (401). A client that sent too many wrong tokens
 * waits (429 `AUTH_THROTTLED` with Retry-After) before any token of its is looked at again.
 *
 * `ApiTokenService` is looked up through `ModuleRef` on the first request rather than injected: this resolver feeds
 * the options of `LlmManagerModule`, which open the DataSource that `ApiTokenService` needs, so injecting it here
 * would be a cycle. By the first request every provider exists.
 */
@Injectable()
export class BearerIdentityResolver {
  private readonly adminTokenHash: string;
  private tokens: ApiTokenService | undefined;

  constructor(
    @Inject(ADMIN_TOKEN) adminToken: string,
    private readonly throttle: AuthFailureThrottle,
    private readonly moduleRef: ModuleRef,
  ) {
    // Only the hash is kept, and compared in constant time.
    this.adminTokenHash = hashToken(adminToken);
  }

  async resolve(request: unknown): Promise<RequestIdentity | null> {
    const bearer = bearerTokenOf(request);
    if (bearer === undefined) return null;
    const client = clientOf(request);
    const wait = this.throttle.retryAfterSeconds(client);
    if (wait > 0) {
      throw new LlmManagerError('AUTH_THROTTLED', `Too many failed authentications from this address. Retry in ${wait} s with a valid token.`, {
        details: { retryAfterSeconds: wait },
      });
    }
    if (sameHash(hashToken(bearer), this.adminTokenHash)) return { userId: SYSTEM_USER_ID, isAdmin: true };
    const userId = await this.apiTokens().verify(bearer);
    if (userId === null) this.throttle.recordFailure(client);
    return userId === null ? null : { userId, isAdmin: false };
  }

  private apiTokens(): ApiTokenService {
    this.tokens ??= this.moduleRef.get(ApiTokenService, { strict: false });
    if (!this.tokens) throw new Error('ApiTokenService is not registered: import ApiTokensModule into the app.');
    return this.tokens;
  }
}

/** The client's address as Express sees it (the socket's, unless the host app set `trust proxy`). */
export function clientOf(request: unknown): string {
  const candidate = request as { ip?: unknown; socket?: { remoteAddress?: unknown } };
  const address = candidate.ip ?? candidate.socket?.remoteAddress;
  return typeof address === 'string' ? address : 'unknown';
}

function bearerTokenOf(request: unknown): string | undefined {
  const header = (request as { headers?: Record<string, string | string[] | undefined> }).headers?.authorization;
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}
