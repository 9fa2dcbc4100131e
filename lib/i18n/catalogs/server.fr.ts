/** The server's own texts in French (keys: `server.en.ts`). */
import type { Catalog } from "../catalog.ts";
import type { ServerKey } from "./server.en.ts";

export const serverFr: Catalog<ServerKey> = {
  "server.motd": "Bienvenue sur FastChat.",
  "server.shutdown": "Attention, le serveur va s'arrêter !",
  "server.muted": "Vous ne pouvez plus écrire jusqu'à {until}.",
  "server.mutedReason": "Vous ne pouvez plus écrire jusqu'à {until} : {reason}",
  "server.floodMute": "Sourdine automatique : trop de messages trop vite.",
  "server.floodKick": "Expulsion automatique : trop de messages malgré la sourdine.",
  "server.roomDeleted": "Le salon {room} a été supprimé.",
  "server.topicSet": "Sujet du salon {room} : {topic}",
  "server.topicCleared": "Le sujet du salon {room} a été effacé.",
};
