// Step names redact URLs with the rule the gateway also uses for its own steps (util/url.ts);
// re-exported for the runtime modules that import it from here.
export { redactUrl } from '../util/url.js';
