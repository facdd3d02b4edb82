import { z } from 'zod';

// The alerts' configuration is part of the park registry (gateway/registry/alerts.ts); re-exported here.
export * from '../../gateway/registry/alerts.js';

/** Secrets, from the environment or the secrets file (never in the registry file). */
export const AlertsEnvSchema = z.object({
  /** key of the WeCom group robot (the `key` of its webhook URL) */
  WECOM_KEY: z.string().regex(/^[A-Za-z0-9_-]+$/, 'the key part of the robot webhook URL').optional(),
  ALIBABA_CLOUD_ACCESS_KEY_ID: z.string().min(1).optional(),
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: z.string().min(1).optional(),
});
export type AlertsEnv = z.infer<typeof AlertsEnvSchema>;

export interface AlertSecrets {
  wecomKey?: string;
  aliyun?: { accessKeyId: string; accessKeySecret: string };
}

/**
 * The alert channels' secrets: the environment first, then the secrets file (PARK_SECRETS_FILE:
 * `wecom.key`, `sms.accessKeyId` / `sms.accessKeySecret`).
 */
export function alertSecrets(env: AlertsEnv, file: { wecom?: { key: string }; sms?: { accessKeyId: string; accessKeySecret: string } } = {}): AlertSecrets {
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? file.sms?.accessKeyId;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? file.sms?.accessKeySecret;
  const wecomKey = env.WECOM_KEY ?? file.wecom?.key;
  return {
    ...(wecomKey ? { wecomKey } : {}),
    ...(id && secret ? { aliyun: { accessKeyId: id, accessKeySecret: secret } } : {}),
  };
}
