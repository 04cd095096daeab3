import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { LlmManagerError } from './llm-manager.error';

/** Who is calling a route of llm-mgr. */
export interface RequestIdentity {
  userId: string;
  isAdmin: boolean;
}

/** Host-supplied: turn a request into an identity, or null when it carries none (→ 401). */
export type IdentityResolver = (request: unknown) => RequestIdentity | null | Promise<RequestIdentity | null>;

/**
 * Default resolver, for hosts that authenticate with Passport: `request.user` with `id` or `userId`, admin when
 * `isAdmin === true` or `roles` includes `'admin'`.
 */
export const passportIdentity: IdentityResolver = (request) => {
  const user = (request as { user?: { id?: unknown; userId?: unknown; isAdmin?: unknown; roles?: unknown } }).user;
  const id = user?.userId ?? user?.id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const roles = Array.isArray(user?.roles) ? user.roles : [];
  return { userId: String(id), isAdmin: user?.isAdmin === true || roles.includes('admin') };
};

const IDENTITY = Symbol('llm-mgr identity');
const ADMIN_ONLY = 'llm-mgr:admin-only';

/** Marks a controller or route as admin-only. */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ADMIN_ONLY, true);

/** Resolves the identity of every request to llm-mgr's routes; admin-only routes need `isAdmin`. */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Record<symbol, unknown>>();
    const identity = await this.options.resolveIdentity(request);
    if (!identity) {
      throw new LlmManagerError('UNAUTHENTICATED', 'Authentication required: this request carries no identity the server accepts.');
    }
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [context.getHandler(), context.getClass()]);
    if (adminOnly && !identity.isAdmin) {
      throw new LlmManagerError('FORBIDDEN', 'This route is for administrators only.');
    }
    request[IDENTITY] = identity;
    return true;
  }
}

/** The caller's identity, as the guard resolved it. */
export const CurrentIdentity = createParamDecorator((_data: unknown, context: ExecutionContext): RequestIdentity => {
  const identity = context.switchToHttp().getRequest<Record<symbol, unknown>>()[IDENTITY];
  if (!identity) throw new Error('CurrentIdentity used on a route without IdentityGuard.');
  return identity as RequestIdentity;
});
