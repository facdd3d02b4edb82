import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseDocument, type Document } from 'yaml';
import { ConfigError } from '../../registry/loader.js';
import { SecretsFileSchema, type SecretsFile } from '../../secrets/index.js';

/**
 * The secrets file as a YAML document, so that rewriting it keeps what the tool does not manage (the
 * WeCom key, upstream PWs, comments). Validated with the gateway's own schema before and after.
 */
export interface SecretsDoc {
  readonly doc: Document;
  /** the validated content as read */
  readonly file: SecretsFile;
}

export function readSecretsDoc(path: string): SecretsDoc {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    // the parser's message quotes the line, which may hold a secret: only its position
    const pos = doc.errors[0]!.linePos?.[0];
    throw new ConfigError(path, [{ path: '', message: `not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}` }]);
  }
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  const r = SecretsFileSchema.safeParse(doc.toJS() ?? {});
  if (!r.success) throw new ConfigError(path, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return { doc, file: r.data };
}

/** Validates, then writes through a temporary file (mode 0600 from its creation) renamed over the old one. */
export function writeSecretsDoc(path: string, doc: Document): void {
  const r = SecretsFileSchema.safeParse(doc.toJS() ?? {});
  if (!r.success) throw new ConfigError(path, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  writePrivate(path, doc.toString());
}

/** A file only its owner can read (0600), replaced atomically. */
export function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have taken bits away, never added: make it exact
  renameSync(tmp, path);
}
