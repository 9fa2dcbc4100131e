/**
 * `fast-check`, pinned here rather than in `deno.json`: every package of the root import
 * map is downloaded by `deno task server` on first start, so test-only packages stay out
 * of it (issue 11). Tests import this module.
 */
export { default } from "npm:fast-check@4.10.2";
