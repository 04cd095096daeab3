import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { LlmManagerOptions } from 'llm-mgr';

type IdentityResolver = NonNullable<LlmManagerOptions['resolveIdentity']>;

const USER_HEADER = 'x-user-id';

/**
 * This app's notion of "who is calling": the `x-user-id` header. A header is only trustworthy behind a gateway that
 * authenticates and sets it; a real app reads its session or JWT here instead.
 */
export function userIdFrom(request: IncomingMessage): string | null {
  const value = request.headers[USER_HEADER];
  const userId = (Array.isArray(value) ? value[0] : value)?.trim();
  return userId ? userId : null;
}

/** The same identity, handed to llm-mgr so its routes (`/api/ai/...`) see the users this app sees. */
export function headerIdentity(adminUserIds: ReadonlySet<string>): IdentityResolver {
  return (request) => {
    const userId = userIdFrom(request as IncomingMessage);
    return userId ? { userId, isAdmin: adminUserIds.has(userId) } : null;
  };
}

/** `@UserId()` on this app's own routes; 401 without the header. */
export const UserId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const userId = userIdFrom(context.switchToHttp().getRequest<IncomingMessage>());
  if (!userId) throw new UnauthorizedException(`Send the ${USER_HEADER} header.`);
  return userId;
});
