import { describe, expect, it } from "vitest";
import { DEFAULT_EPOCH_MS, DESCRIBE_TABS, GET_TABS, humanDuration, rfc1123z, rfc3339, table, tabwrite } from "../../shared/kubectl/text.ts";
import { tokenize } from "../../shared/kubectl/tokenize.ts";
import { parseFlags } from "../../shared/kubectl/flags.ts";
import { parseSelector } from "../../shared/kubectl/selector.ts";
import { cpuMilli, memoryMiB, imageParts } from "../../shared/kubectl/quantity.ts";

describe("tabwriter (Go text/tabwriter as kubectl configures it)", () => {
  it("pads get columns to the widest cell plus 3, and leaves the last column unpadded", () => {
    expect(table(["NAME", "READY", "STATUS"], [["web-1", "1/1", "Running"], ["a", "0/1", "Pending"]])).toBe(
      ["NAME    READY   STATUS", "web-1   1/1     Running", "a       0/1     Pending"].join("\n"),
    );
  });

  it("never makes a get column narrower than minwidth 6", () => {
    expect(tabwrite("A\tB\nx\ty", GET_TABS)).toBe("A     B\nx     y");
  });

  it("aligns describe blocks separately: a line without a tab ends every column", () => {
    const text = ["Name:\tweb-1", "Namespace:\tdefault", "Containers:", "  app:", "    Image:\tweb:v1", "Events:\t<none>"].join("\n");
    expect(tabwrite(text, DESCRIBE_TABS)).toBe(
      ["Name:       web-1", "Namespace:  default", "Containers:", "  app:", "    Image:  web:v1", "Events:     <none>"].join("\n"),
    );
  });

  it("gives a column only to the lines that terminate a cell in it (nested blocks)", () => {
    expect(tabwrite("a\tb\tc\naa\tbbb\nx", DESCRIBE_TABS)).toBe("a   b  c\naa  bbb\nx");
  });
});

describe("HumanDuration", () => {
  it.each([
    [0, "0s"],
    [59_000, "59s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [130_000, "2m10s"],
    [599_000, "9m59s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3600_000, "3h"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"],
    [8 * 3600_000, "8h"],
    [47 * 3600_000, "47h"],
    [48 * 3600_000, "2d"],
    [50 * 3600_000, "2d2h"],
    [8 * 24 * 3600_000, "8d"],
    [-500, "0s"],
    [-5000, "<invalid>"],
  ])("%i ms is %s", (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe("dates without Date", () => {
  it("formats RFC 1123Z and RFC 3339 in UTC", () => {
    expect(rfc1123z(DEFAULT_EPOCH_MS)).toBe("Mon, 01 Sep 2025 08:00:00 +0000");
    expect(rfc3339(DEFAULT_EPOCH_MS + 65_000)).toBe("2025-09-01T08:01:05Z");
    expect(rfc1123z(Date.UTC(2024, 1, 29, 23, 59, 59))).toBe("Thu, 29 Feb 2024 23:59:59 +0000");
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
  });
});

describe("tokenizer", () => {
  it("splits like a shell: quotes, escapes, comments", () => {
    expect(tokenize(`get pods -l 'app in (web, api)' --selector="tier=a b" x\\ y # comment`)).toEqual({
      ok: true,
      words: ["get", "pods", "-l", "app in (web, api)", "--selector=tier=a b", "x y"],
    });
    expect(tokenize(`a "say \\"hi\\"" ''`)).toEqual({ ok: true, words: ["a", 'say "hi"', ""] });
  });

  it("refuses unbalanced quotes and shell operators", () => {
    expect(tokenize(`get "pods`)).toMatchObject({ ok: false });
    expect(tokenize("get pods | grep web")).toMatchObject({ ok: false, error: expect.stringContaining("pipes") });
    expect(tokenize("get pods '|'")).toEqual({ ok: true, words: ["get", "pods", "|"] });
  });
});

describe("flags (pflag rules)", () => {
  const specs = [
    { name: "output", short: "o", type: "string" as const },
    { name: "all-namespaces", short: "A", type: "bool" as const },
    { name: "replicas", type: "int" as const },
  ];
  it("accepts every spelling kubectl accepts", () => {
    const r = parseFlags(["pods", "-owide", "-A", "--replicas", "3", "-n=default", "x"], specs, "get");
    expect(r).toEqual({ ok: true, flags: { values: { output: "wide", "all-namespaces": true, replicas: 3, namespace: "default" }, positional: ["pods", "x"] } });
    expect(parseFlags(["-Ao", "yaml"], specs, "get")).toMatchObject({ ok: true, flags: { values: { output: "yaml", "all-namespaces": true } } });
  });
  it("reports errors in pflag's words", () => {
    expect(parseFlags(["--foo"], specs, "get")).toEqual({ ok: false, error: "error: unknown flag: --foo\nSee 'kubectl get --help' for usage." });
    expect(parseFlags(["-x"], specs, "get")).toMatchObject({ error: expect.stringMatching(/^error: unknown shorthand flag: 'x' in -x/) });
    expect(parseFlags(["--replicas=many"], specs, "scale")).toMatchObject({
      error: expect.stringMatching(/^error: invalid argument "many" for "--replicas" flag: strconv.ParseInt: parsing "many": invalid syntax/),
    });
    expect(parseFlags(["-o"], specs, "get")).toMatchObject({ error: expect.stringMatching(/^error: flag needs an argument: 'o' in -o/) });
  });
});

describe("label selectors, quantities, images", () => {
  it("matches equality and set selectors", () => {
    const sel = parseSelector("app in (web,api),tier!=db,!legacy");
    expect(sel.ok && sel.match({ app: "web", tier: "front" })).toBe(true);
    expect(sel.ok && sel.match({ app: "web", tier: "db" })).toBe(false);
    expect(sel.ok && sel.match({ app: "web", legacy: "1" })).toBe(false);
    expect(parseSelector("a=b=c").ok).toBe(false);
  });
  it("reads quantities as manifests write them", () => {
    expect([cpuMilli("250m"), cpuMilli("0.5"), cpuMilli(2), cpuMilli("1.0001")]).toEqual([250, 500, 2000, 1001]);
    expect([memoryMiB("256Mi"), memoryMiB("1Gi"), memoryMiB("512M"), memoryMiB("1e9"), memoryMiB(1048576)]).toEqual([256, 1024, 489, 954, 1]);
    expect(cpuMilli("lots")).toBeNull();
  });
  it("splits images into repository and tag", () => {
    expect(imageParts("registry.local:5000/shop/web:v2")).toEqual({ repo: "registry.local:5000/shop/web", version: "v2" });
    expect(imageParts("web")).toEqual({ repo: "web", version: "latest" });
    expect(imageParts("web@sha256:abc")).toMatchObject({ error: expect.any(String) });
  });
});
