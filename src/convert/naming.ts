// Step names redact URLs with the same rule the gateway uses when it names its own steps.
export { redactUrl } from '../util/url.js';
