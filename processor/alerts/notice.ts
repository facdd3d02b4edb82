import type { Alert } from './format.js';
import type { NoticeKind } from './noticeKind.js';
import type { WecomMessage } from './wecomTypes.js';

export { NoticeKindSchema, type NoticeKind } from './noticeKind.js';

/**
 * A prepared WeCom message sent through the durable outbox like an alert (recorded before it is sent,
 * settled on the robot's reply, sent again after a restart), alone and as it is: never packed into a
 * summary. Its id is its own and stable (e.g. `P-20261127-1630|OF-01|digest`): the outbox holds it once.
 */
export interface Notice {
  /** stable id, unique in the outbox */
  id: string;
  kind: NoticeKind;
  /** what it is about (the patrol sheet id): the outbox's `ticket` column and the outcome's ticketId */
  ref: string;
  message: WecomMessage;
  /** a short line for logs */
  line: string;
  /** sent before low-priority alerts (the chief's alert); default false */
  high?: boolean;
}

/** The outbox row of a notice: an Alert carrying the prepared message (SMS values unused: notices go to WeCom only). */
export function noticeAlert(n: Notice, at: number): Alert & { id: string } {
  const content = n.message.msgtype === 'text' ? n.message.text.content : n.message.markdown.content;
  return {
    id: n.id,
    key: n.id,
    ticketId: n.ref,
    kind: n.kind,
    category: 'notice',
    high: n.high ?? false,
    text: content,
    line: n.line,
    sms: { site: '', pollutant: '', value: '', ticket: n.ref },
    changeAt: at,
    queuedAt: at,
    message: n.message,
  };
}
