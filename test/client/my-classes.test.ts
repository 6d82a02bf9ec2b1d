import { describe, expect, it } from "vitest";
import { MapStorage } from "../support/storage.ts";
import { forgetHosted, hostedClasses, hostedLinks, rememberHosted, type HostedClass } from "../../client/src/ui/my-classes.ts";

const cls = (code: string, createdAt: number): HostedClass => ({ code, teacherKey: `key-${code}`, createdAt, lesson: null });

describe("classes hosted on this device", () => {
  it("lists the newest first, once per code, and keeps a dozen", () => {
    const s = new MapStorage();
    for (let i = 0; i < 15; i++) rememberHosted(s, cls(`C${i}`, i));
    rememberHosted(s, cls("C10", 99));
    const list = hostedClasses(s);
    expect(list).toHaveLength(12);
    expect(list[0]).toEqual(cls("C10", 99));
    expect(list.filter((c) => c.code === "C10")).toHaveLength(1);
    expect(list.map((c) => c.code)).not.toContain("C0");
  });

  it("forgets one class and survives a damaged or foreign entry", () => {
    const s = new MapStorage();
    rememberHosted(s, cls("AAA111", 1));
    rememberHosted(s, cls("BBB222", 2));
    forgetHosted(s, "AAA111");
    expect(hostedClasses(s).map((c) => c.code)).toEqual(["BBB222"]);
    s.setItem("container-city:hosted", "{not json");
    expect(hostedClasses(s)).toEqual([]);
    s.setItem("container-city:hosted", JSON.stringify([{ code: 5 }, cls("CCC333", 3), null]));
    expect(hostedClasses(s).map((c) => c.code)).toEqual(["CCC333"]);
  });

  it("puts the key in the fragment of its links, never in the query", () => {
    const links = hostedLinks({ code: "ABC123", teacherKey: "k/y+z", createdAt: 0, lesson: null });
    expect(links.host).toBe("/host.html#code=ABC123&key=k%2Fy%2Bz");
    expect(links.replay).toBe("/replay.html?code=ABC123#key=k%2Fy%2Bz");
    expect(links.replay.split("#")[0]).not.toContain("k%2F");
  });
});
