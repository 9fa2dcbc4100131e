/**
 * The page's sentence for an API error (`describeError` in `admin_ui/src/api.ts`): in the
 * page's language, with the API's English detail only where the page cannot say better.
 */
import assert from "node:assert/strict";
import { ApiError, describeError } from "../../admin_ui/src/api.ts";
import { language } from "../../admin_ui/src/i18n.ts";

Deno.test("describeError: a refused address is described in French, without the API's English", () => {
  const before = language.value;
  language.value = "fr";
  try {
    const text = describeError(
      new ApiError(
        400,
        "invalid_address",
        'Cannot use address "pas une adresse": write an IPv4 or IPv6 address, or a network like 10.0.0.0/8.',
      ),
    );
    assert.match(text, /^Ce n'est ni une adresse IP ni une plage CIDR/);
    assert.doesNotMatch(text, /Cannot|write an|network/);
  } finally {
    language.value = before;
  }
});
