/**
 * Who is asking, and what the gateway remembers of what people did: the contract between the HTTP
 * authentication (gateway/auth) and the routes that authorise by role and scope.
 */

/**
 * officer (包联干部): their own enterprises' tickets, patrols and valves (read);
 * chief (科长, section chief): all tickets, escalations, valve reopen;
 * admin: users, configuration, valve override; viewer: status and dashboards.
 */
export type Role = 'viewer' | 'officer' | 'chief' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'officer', 'chief', 'admin'];

export interface Principal {
  /** how the request proved who it is */
  readonly kind: 'anonymous' | 'session' | 'token' | 'admin-token';
  /** users.id; undefined for anonymous and PARK_ADMIN_TOKEN */
  readonly userId?: string;
  /** login name; 'anonymous' for anonymous requests, 'admin-token' for PARK_ADMIN_TOKEN */
  readonly username: string;
  /** undefined for anonymous */
  readonly role?: Role;
  /** the registry officer id this user is (role officer; a chief may be one too) */
  readonly officer?: string;
  /** the request's peer address */
  readonly address: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the auth plugin on every request (anonymous when no credentials were sent) */
    principal: Principal;
  }
}

export interface AuditEntry {
  readonly id: number;
  /** epoch ms */
  readonly at: number;
  /** username, or 'system' for automatic actions (the interlock, the rule engine) */
  readonly actor: string;
  readonly actorRole?: Role;
  /** peer address of the request; undefined for automatic actions */
  readonly address?: string;
  /** e.g. 'ticket.transition', 'valve.reopen', 'valve.close', 'user.create', 'user.update', 'token.create', 'login' */
  readonly action: string;
  /** e.g. 'ticket:WP-01-20261128-001', 'valve:WP-01', 'user:li.ming' */
  readonly target: string;
  readonly outcome: 'ok' | 'denied' | 'failed';
  /** why (refusal reason, the person's stated reason) */
  readonly reason?: string;
  /** state before and after, as JSON-serialisable values */
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditEntry['outcome'];
  limit?: number;
  offset?: number;
}

/** Append-only: entries are added and read, never changed or removed (the store refuses UPDATE and DELETE). */
export interface AuditLog {
  append(e: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): AuditEntry;
  list(filter: AuditFilter): { entries: AuditEntry[]; total: number };
}
