// The real PDP over HTTP on a loopback port, as a runtime using @pea/client reaches a deployed one.
import { afterAll, beforeAll } from "vitest";
import { serveOnLoopback } from "../gateway/support.js";
import { pdpClient } from "../support/http.js";
import { startTestPdp, type TestPdp } from "../support/store.js";
import { madeBeforeAll } from "../support/suite.js";

/** A test PDP served before the file's tests and closed after them; the tests read it and its URL through the accessors. */
export function servedPdpForFile() {
  let pdp: TestPdp | undefined;
  let served: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    pdp = await startTestPdp();
    served = await serveOnLoopback(pdpClient(pdp).app.fetch);
  });
  afterAll(async () => {
    await served?.close();
    await pdp?.close();
  });
  return { pdp: () => madeBeforeAll(pdp, "the PDP"), url: () => madeBeforeAll(served, "the PDP's server").url };
}
