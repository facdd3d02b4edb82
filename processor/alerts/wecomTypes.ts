/** domain.md §3.1 text message */
export interface WecomText {
  msgtype: 'text';
  text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] };
}
/** domain.md §3.1 markdown message (mentions only as <@userid> in the content) */
export interface WecomMarkdown {
  msgtype: 'markdown';
  markdown: { content: string };
}
export type WecomMessage = WecomText | WecomMarkdown;
