import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePdpConfig } from "@pea/pdp";
import { describe, expect, it } from "vitest";
import { configReference, configReferencePath } from "./config-reference.js";

describe("configuration", () => {
  it("docs/configuration.md is what the schemas say (run `npm run docs:config` after changing a setting)", () => {
    expect(readFileSync(configReferencePath, "utf8")).toBe(configReference());
  });

  it("documents the embedded store's fixed port and the history window", () => {
    const reference = configReference();
    expect(reference).toMatch(/\| `PEA_EMBEDDED_PORT` \| `8703` \|/);
    expect(reference).toMatch(/\| `PEA_HISTORY_WINDOW_SECONDS` \| `86400` \|/);
    expect(parsePdpConfig({}).PEA_EMBEDDED_PORT).toBe(8703);
  });

  it("reads PEA_CONFIG_FILE through the same schema; the environment wins", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "pea-config-")), "pea.json");
    await writeFile(file, JSON.stringify({ PEA_PDP_PORT: 9100, PEA_LOG_LEVEL: "warn", PEA_FIRM_DOMAINS: "a.example" }));
    const config = parsePdpConfig({ PEA_CONFIG_FILE: file, PEA_LOG_LEVEL: "error" });
    expect(config.PEA_PDP_PORT).toBe(9100);
    expect(config.PEA_LOG_LEVEL).toBe("error");
    expect(config.PEA_FIRM_DOMAINS).toEqual(["a.example"]);
  });

  it("refuses a config file's bad value, unknown name, nesting or broken JSON, naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pea-config-"));
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ PEA_PDP_PORT: 70_000 }), /PEA_PDP_PORT/],
      [JSON.stringify({ PEA_PDP_PROT: 8700 }), /PEA_PDP_PROT: not a setting/],
      [JSON.stringify({ PEA_HOST: { nested: true } }), /PEA_HOST: expected a string/],
      [JSON.stringify(["PEA_HOST"]), /expected a JSON object/],
      ["{ not json", /PEA_CONFIG_FILE/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const file = join(dir, `bad-${i}.json`);
      await writeFile(file, text);
      expect(() => parsePdpConfig({ PEA_CONFIG_FILE: file })).toThrow(message);
    }
    expect(() => parsePdpConfig({ PEA_CONFIG_FILE: join(dir, "absent.json") })).toThrow(/PEA_CONFIG_FILE/);
  });
});
