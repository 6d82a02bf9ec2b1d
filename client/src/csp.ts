/**
 * Imported first by every page. Zod tests whether it may compile its parsers by calling
 * Function(""); under the server's Content-Security-Policy (no 'unsafe-eval') that test is refused,
 * and the browser reports a CSP violation on every page load although zod then works without it.
 * jitless skips the test.
 */
import { config } from "zod";

config({ jitless: true });
