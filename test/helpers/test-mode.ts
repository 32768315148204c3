/**
 * Which tests a run asks for. `npm test` runs them all; `npm run test:agent`
 * (CONNTEST_TESTS=agent) only those that need no Docker engine (nor tmux for
 * the lab), and the others report themselves skipped.
 */
export const AGENT_ONLY = process.env.CONNTEST_TESTS === "agent";
