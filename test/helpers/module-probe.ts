import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

/**
 * Loaded with `node --import` into a service process under test: appends the URL of every module the process loads
 * (ES modules and CommonJS alike) to the file MODULE_PROBE_FILE names, so a test can tell what a process role holds.
 */
const out = process.env['MODULE_PROBE_FILE'];
if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(out, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
