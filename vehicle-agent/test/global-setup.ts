import { buildAgent } from "../scripts/build.ts";

/** The agent tests run the agent as `npm run agent` does: the built bundle. Built once per test run. */
export default async function setup() {
  await buildAgent();
}
