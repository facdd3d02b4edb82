import { z } from 'zod';
import { ROLES, type Role } from './types.js';

/** Text limits of every field a person sends (issue 11: "every text field has a length limit"). */
export const UsernameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a username: 1..64 letters, digits, . _ @ -, starting with a letter or digit');
export const DisplayNameSchema = z.string().trim().min(1).max(100);
/** at least 10 characters (NIST SP 800-63B §3.1.1.2 asks for 8 at least); at most 256 so a hash is never asked to digest a megabyte */
export const PasswordSchema = z.string().min(10, 'at least 10 characters').max(256);
export const RoleSchema = z.enum(ROLES as [Role, ...Role[]]);
export const OfficerIdSchema = z.string().regex(/^OF-\d{2}$/, 'a registry officer id (OF-nn)');

export const LoginBodySchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });

export const CreateUserSchema = z.strictObject({
  username: UsernameSchema,
  displayName: DisplayNameSchema.optional(),
  role: RoleSchema,
  officer: OfficerIdSchema.optional(),
  password: PasswordSchema.optional(),
});

export const UpdateUserSchema = z
  .strictObject({
    displayName: DisplayNameSchema,
    role: RoleSchema,
    officer: OfficerIdSchema.nullable(),
    disabled: z.boolean(),
    password: PasswordSchema,
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');

export const ChangePasswordSchema = z.strictObject({ current: z.string().min(1).max(256), password: PasswordSchema });

/** ids the API hands out (users, tokens): random base64url */
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id');

export const IssueTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** lifetime in days; none: until revoked */
  ttlDays: z.number().int().min(1).max(3650).optional(),
});

/** a thrown refusal with its HTTP status: 400 bad input, 404 unknown, 409 taken */
export class AccessError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}
