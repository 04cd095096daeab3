import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import type { GatewayPreHandler } from '../../llm-manager/gateway/gateway-fast-path';
import { sendOpenAiError } from '../../llm-manager/gateway/openai-error';
import type { AuthFailureThrottle } from './auth-failure-throttle';
import { clientOf } from './bearer-identity.resolver';

/**
 * The failed-auth throttle of the REST API, on the gateway (`/v1`) too, with the same counter per client: a client
 * that sent too many wrong tokens to either waits (429 in OpenAI's shape, with Retry-After) before its body is even
 * read. The gateway's own guard (in the library) answers a wrong token 401; that answer is what counts as a failure
 * here. A request without any token is no attempt, as on the REST API.
 */
export function gatewayAuthThrottle(throttle: AuthFailureThrottle): GatewayPreHandler {
  return function gatewayAuthThrottle(req, res, next) {
    const client = clientOf(req);
    const wait = throttle.retryAfterSeconds(client);
    if (wait > 0) {
      const refusal = new LlmManagerError('AUTH_THROTTLED', `Too many failed authentications from this address. Retry in ${wait} s with a valid token.`, {
        details: { retryAfterSeconds: wait },
      });
      sendOpenAiError(res, refusal);
      return;
    }
    if (req.headers.authorization !== undefined) {
      res.once('finish', () => {
        if (res.statusCode === 401) throttle.recordFailure(client);
      });
    }
    next();
  };
}
