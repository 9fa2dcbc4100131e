/**
 * The server's own texts in English: defaults it sends when the operator set none, and
 * the notices it sends. Error `message` sentences are not here: they stay English on the
 * wire, and clients translate by `code`.
 */
export const serverEn = {
  "server.motd": "Welcome to FastChat.",
  "server.shutdown": "The server is shutting down.",
  "server.muted": "You are muted until {until}.",
  "server.mutedReason": "You are muted until {until}: {reason}",
  "server.floodMute": "Automatic mute: too many messages too fast.",
  "server.floodKick": "Automatic kick: kept flooding while muted.",
  "server.roomDeleted": "The room {room} was deleted.",
  "server.topicSet": "Topic of {room}: {topic}",
  "server.topicCleared": "Topic of {room} cleared.",
} as const;

/** A key of the server's texts. */
export type ServerKey = keyof typeof serverEn;
