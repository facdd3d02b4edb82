import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import type { AddressTable } from './limits.js';

/** Who may connect and what they may publish; built from the secrets file and the registry (policy.ts). */
export interface BrokerAccess {
  /** username → scrypt hash of its password (secrets file `mqtt.users`) */
  users: Record<string, string>;
  /** username → the topics it may publish to (exact names, no wildcards) */
  publish: Record<string, string[]>;
  /** client ids nobody may connect with (the gateway's own) */
  reservedClientIds: string[];
  /** development only: no credentials needed, any topic, any subscription (the broker before issue 11) */
  allowAnonymous: boolean;
}

export type DeniedAction = 'connect' | 'publish' | 'subscribe';
export type Denied = (action: DeniedAction, reason: string, client: Client | null, detail?: string) => void;

/** MQTT 3.1.1 §3.2.2.3 Table 3.1: CONNACK return codes */
export const CONNACK = { IDENTIFIER_REJECTED: 2, BAD_USERNAME_OR_PASSWORD: 4, NOT_AUTHORIZED: 5 } as const;

/** the remote address of an aedes client (its connection is a guarded socket, packetGuard.ts) */
export const addressOf = (client: Client | null): string => (client?.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? 'unknown';

const refusal = (message: string, returnCode: number): AuthenticateError => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

/** a hash nobody's password matches: an unknown user name costs the same scrypt check as a known one */
const DUMMY_HASH = '$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * aedes' authenticate and authorizeSubscribe hooks, and the topic check of authorizePublish.
 * - CONNECT: a reserved client id (the gateway's), or one a client of another user holds → CONNACK 2
 *   identifier rejected (no session take-over, [MQTT-3.1.4-2]); no user name or
 *   no password → 5 not authorized; unknown user or wrong password → 4 bad user name or password
 *   [MQTT-3.2.2-4]; aedes then closes the connection [MQTT-3.2.2-5]. Each refusal's CONNACK waits a
 *   back-off that doubles per refusal from the same address (limits.ts). Passwords are checked with
 *   scrypt on libuv's pool (verify), never compared or logged in clear.
 * - SUBSCRIBE: refused for every authenticated user: SUBACK return code 0x80 [MQTT-3.9.3-1].
 * - PUBLISH: only to the topics of `publish[username]`.
 */
export function createAccess(o: {
  access: BrokerAccess;
  verify: (plain: string, hash: string) => Promise<boolean>;
  addresses: AddressTable;
  denied: Denied;
  log: Logger;
  setTimer?: (fn: () => void, ms: number) => void;
}) {
  const { access } = o;
  const reserved = new Set(access.reservedClientIds);
  const allowed = new Map(Object.entries(access.publish).map(([u, topics]) => [u, new Set(topics)]));
  const setTimer = o.setTimer ?? ((fn, ms) => void setTimeout(fn, ms));
  const usernames = new WeakMap<Client, string>();
  /** client id → the connected client holding it, so another user cannot take its session over */
  const held = new Map<string, Client>();

  const authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    const addr = addressOf(client);
    const refuse = (reason: string, code: number) => {
      o.denied('connect', reason, client);
      const delay = o.addresses.failed(addr);
      setTimer(() => done(refusal(reason, code), false), delay);
    };
    // [MQTT-3.1.3-2]: the client id identifies the session; the gateway's cannot be taken over
    if (reserved.has(client.id)) return refuse('reserved-client-id', CONNACK.IDENTIFIER_REJECTED);
    if (access.allowAnonymous) return done(null, true);
    // [MQTT-3.1.2-19], [MQTT-3.1.2-21]: user name and password are present only when their flags are set
    if (username === undefined || password === undefined) return refuse('anonymous', CONNACK.NOT_AUTHORIZED);
    const hash = Object.hasOwn(access.users, username) ? access.users[username]! : undefined;
    o.verify(password.toString('utf8'), hash ?? DUMMY_HASH).then(
      (ok) => {
        if (ok && hash !== undefined) {
          // [MQTT-3.1.4-2]: a second CONNECT with a client id disconnects the client holding it; only its own user may do that
          const holder = held.get(client.id);
          if (holder && holder !== client && usernames.get(holder) !== username) return refuse('client-id-in-use', CONNACK.IDENTIFIER_REJECTED);
          o.addresses.succeeded(addr);
          usernames.set(client, username);
          held.set(client.id, client);
          return done(null, true);
        }
        refuse(hash === undefined ? 'unknown-user' : 'bad-password', CONNACK.BAD_USERNAME_OR_PASSWORD);
      },
      (err: Error) => {
        o.log.error({ clientId: client.id, username, err: err.message }, 'mqtt broker: password check failed');
        refuse('check-failed', CONNACK.BAD_USERNAME_OR_PASSWORD);
      },
    );
  };

  const authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']> = (client, sub, done) => {
    if (access.allowAnonymous) return done(null, sub);
    o.denied('subscribe', 'not-allowed', client, sub.topic);
    // a null subscription is a refused one: SUBACK 0x80 for it [MQTT-3.9.3-1]; the connection stays
    done(null, null);
  };

  /** undefined when `client` may publish on `topic`, else the reason */
  const publishRefusal = (client: Client, topic: string): string | undefined => {
    if (access.allowAnonymous) return undefined;
    const user = usernames.get(client);
    const topics = user === undefined ? undefined : allowed.get(user);
    return topics?.has(topic) ? undefined : 'topic-not-allowed';
  };

    /** the client's connection ended (aedes clientDisconnect / clientError): its client id is free again */
  const released = (client: Client) => {
    if (held.get(client.id) === client) held.delete(client.id);
  };

  return { authenticate, authorizeSubscribe, publishRefusal, released, usernameOf: (c: Client | null) => (c ? usernames.get(c) : undefined) };
}
