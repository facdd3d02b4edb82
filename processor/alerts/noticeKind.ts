import { z } from 'zod';

/** Messages that are about no ticket: the patrol's digests (to officers and the park group) and its missed sign-off alert to the section chief. */
export const NoticeKindSchema = z.enum(['patrol-digest', 'patrol-overdue']);
export type NoticeKind = z.infer<typeof NoticeKindSchema>;
