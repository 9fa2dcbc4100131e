/** The FastChat wire protocol: framing, names, ids, request and server frame schemas. */
export * from "./limits.ts";
export * from "./error_codes.ts";
export * from "./frame.ts";
export * from "./frame_decoder.ts";
export * from "./names.ts";
export * from "./msgid.ts";
export * from "./requests.ts";
export * from "./server_frames.ts";
