/**
 * What an instance of a cluster does with a change another instance made and announced
 * (`ClusterLink.announce`, events in `chat/cluster_events.ts`): `lib/cluster/` calls
 * {@linkcode applyRemoteEvent} for each event of the cluster's log that came from another
 * instance, in log order (never for this instance's own). The change is stored already, by
 * the instance that made it, in the shared store: here it is applied to this instance's
 * memory and made felt by this instance's sessions exactly as where it was made (the same
 * frames), through the same modules; nothing is stored, audited or announced again.
 */
import { errorFrame } from "../protocol/server_frames.ts";
import type { ClusterEvent } from "./chat/cluster_events.ts";
import type { ChatServer } from "./chat_server.ts";
import { addRemoteRoom } from "./moderation/room_creation.ts";
import { applyRemoteRoomDeletion } from "./moderation/room_removal.ts";
import { applyRemoteTopic } from "./moderation/room_topic.ts";
import { applyRemoteLift, applyRemoteSanction } from "./moderation/sanctions.ts";
import { applyRemoteSlowMode } from "./moderation/slow_mode.ts";
import { applyRemoteRole } from "./moderation/staff.ts";

/** The sentence of the `bad_credentials` error that ends sessions after a password change. */
const PASSWORD_CHANGED = "The account's password was changed; log in again.";

/**
 * Applies one event from another instance to `server`. An event naming what this instance
 * does not have (a room deleted meanwhile, say) changes nothing. Resolves once applied
 * (a `shutdown` resolves when it has begun, not when the server has stopped).
 */
export function applyRemoteEvent(server: ChatServer, event: ClusterEvent): Promise<void> {
  const { core } = server;
  switch (event.type) {
    case "sanction":
      applyRemoteSanction(core, event.sanction);
      break;
    case "sanction_lifted":
      applyRemoteLift(core, event.userId, event.kind);
      break;
    case "address_ban":
      if (server.addressBans.applyStored(event.ban)) {
        server.closeBannedSessions();
        core.emit({ type: "moderation" });
      }
      break;
    case "address_unban":
      server.addressBans.forgetStored(event.id);
      core.emit({ type: "moderation" });
      break;
    case "room_created":
      addRemoteRoom(core, event.room);
      break;
    case "room_deleted":
      applyRemoteRoomDeletion(core, event.roomId, server.language);
      break;
    case "topic":
      applyRemoteTopic(core, event, server.language);
      break;
    case "slowmode":
      applyRemoteSlowMode(core, event.roomId, event.seconds);
      break;
    case "staff":
      applyRemoteRole(core, event.userId, event.record);
      break;
    case "read":
      for (const session of core.sessions.ofUser(event.userId)) session.send(event.event);
      break;
    case "password_changed":
      // The cached record holds the old hash: the next login reads the new one.
      core.forgetUser(event.userKey);
      core.passwordChanges.set(event.userId, core.clock());
      for (const session of [...core.sessions.ofUser(event.userId)]) {
        core.logout(session);
        void session.close("password changed", errorFrame("bad_credentials", PASSWORD_CHANGED));
      }
      break;
    case "reports":
      core.emit({ type: "reports" });
      break;
    case "shutdown":
      void server.shutdown(event.message, event.delaySeconds);
      break;
    default:
      _unknown(server, event);
  }
  return Promise.resolve();
}

/** An event type this version does not know (a newer instance sent it): logged, skipped. */
function _unknown(server: ChatServer, event: never): void {
  server.core.log.log("warn", "unknown_cluster_event", {
    type: String((event as { type?: unknown }).type),
  });
}
