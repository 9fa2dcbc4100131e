/**
 * What the chat server asks of a cluster (`lib/cluster/` implements it; one process has
 * none: `core.cluster` is null). The server calls it after a change made here, so that the
 * other instances learn of it; what they then do is in `moderation/remote_events.ts`
 * (control events) and in the presence module.
 */
import type { ClusterEvent } from "./cluster_events.ts";
import type { PresenceHooks } from "./presence_hooks.ts";
import type { ClusterStats, ConnectedUser, InstanceInfo } from "../control.ts";

export type { ClusterEvent, PresenceHooks };

/** The cluster as seen from the chat server. */
export interface ClusterLink {
  /** This instance's name (`--instance`). */
  readonly instance: string;
  /** Presence: told of every local login, logout, join and leave. */
  readonly presence: PresenceHooks;
  /**
   * Tells every other instance of a change made and stored here (a sanction, a room
   * change, a staff change…). Ordered with the messages: it goes through the cluster's log.
   * Resolves once every live instance has applied it (or after about two seconds, when
   * one is slow or NATS is down: the event then waits in an outbox and goes out on
   * reconnection). Callers that answer a request await it, so that the change acts on every
   * instance by the time the answer is given. Never rejects.
   */
  announce(event: ClusterEvent): Promise<void>;
  /**
   * Resolves once this instance's own presence changes have reached NATS and what NATS
   * already holds for this instance has been handled: awaited before answering a request
   * that changes or shows presence (`join`, `leave`, `who`, `rooms`, `login`), so that a
   * `who` on another instance after a `join` here shows the joiner. Never rejects.
   */
  presenceBarrier(): Promise<void>;
  /**
   * Every live instance of the cluster, this one included, by name (`GET /api/instances`;
   * `lib/cluster/presence.ts` knows them from their heartbeats).
   */
  instances(): InstanceInfo[];
  /**
   * The connected users of every instance, each session carrying its `instance`
   * (`GET /api/users`; `lib/cluster/admin_views.ts` asks each instance). An instance that
   * does not answer in time is left out.
   */
  clusterUsers(): Promise<ConnectedUser[]>;
  /** The link's state, for `/metrics`. */
  stats(): ClusterStats;
}
