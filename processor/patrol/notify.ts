import type { Logger } from 'pino';
import type { Registry } from '../../gateway/registry/schema.js';
import type { AlertSecrets } from '../alerts/config.js';
import { buildText, wecomRobot, type WecomMessage, type WecomOutcome, type WecomText } from '../alerts/wecom.js';
import type { PatrolOverdue } from './types.js';

/** The chief's WeCom text (domain.md §3.1) for a missed sign-off: the event's text, @-mentioning the chief by userid or mobile. */
export function overdueMessage(e: PatrolOverdue): WecomText {
  return buildText(e.text, { ...(e.chief?.wecomUserId ? { userIds: [e.chief.wecomUserId] } : {}), ...(e.chief?.mobile ? { mobiles: [e.chief.mobile] } : {}) });
}

/**
 * Sends each missed sign-off to the park's WeCom robot (processor/alerts/wecom.ts `wecomRobot`): one
 * attempt, the outcome logged. Durable delivery with retries belongs to the alerts module's outbox; this
 * is the ticket-less message it is given.
 */
export function notifyChief(robot: { post(message: WecomMessage): Promise<WecomOutcome> }, log: Logger): (e: PatrolOverdue) => Promise<WecomOutcome> {
  return async (e) => {
    const out = await robot.post(overdueMessage(e));
    if (out.kind === 'ok') log.info({ key: e.key }, 'patrol overdue sent to the section chief');
    else log.warn({ key: e.key, outcome: out }, 'patrol overdue not delivered to WeCom');
    return out;
  };
}

/** the chief's notifier when the registry's WeCom robot is on and its key is set (WECOM_KEY), else undefined */
export function chiefNotifier(registry: Registry, secrets: AlertSecrets | undefined, log: Logger): ((e: PatrolOverdue) => void) | undefined {
  const { enabled, wecom } = registry.alerts;
  if (!enabled || !wecom.enabled || !secrets?.wecomKey) return undefined;
  const notify = notifyChief(wecomRobot({ baseUrl: wecom.baseUrl, key: secrets.wecomKey, fetch, timeoutMs: wecom.requestTimeoutMs }), log);
  return (e) => void notify(e);
}
