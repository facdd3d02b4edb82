import { z } from 'zod';

/**
 * 可视监控: the camera watching a site (a rain outlet), as an HTTP JPEG snapshot URL — what ONVIF
 * cameras (GetSnapshotUri, ONVIF Media Service §5.16) and NVRs expose, e.g. `http://host/.../snapshot.jpg`.
 * The gateway takes one snapshot when a rule fires at the site and attaches it to the ticket.
 */
export const CameraSchema = z.object({
  /** http(s) URL answering GET with one JPEG image; credentials belong in `auth`, not in the URL */
  snapshotUrl: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !new URL(u).username && !new URL(u).password, 'put credentials in camera.auth, not in the URL (the URL is shown on tickets)'),
  /** the whole request, headers and body, must finish within this */
  timeoutMs: z.number().int().positive().max(60_000).default(5000),
  /** HTTP Basic authentication (RFC 7617); digest-only cameras are not supported */
  auth: z.object({ username: z.string().min(1), password: z.string() }).optional(),
});
export type Camera = z.infer<typeof CameraSchema>;
