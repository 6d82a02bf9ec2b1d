/** The kubectl console's history (↑/↓ like a shell) and how it reads `apply -f -`. */
import { describe, expect, it } from "vitest";
import { CommandHistory, bareCommand, messageSize, readsStdin } from "../../client/src/ui/console-history.ts";

describe("command history", () => {
  it("↑ goes to older lines, ↓ back to newer ones and then to what was being typed", () => {
    const h = new CommandHistory();
    h.push("get pods");
    h.push("get nodes");
    expect(h.up("desc")).toBe("get nodes");
    expect(h.up("get nodes")).toBe("get pods");
    expect(h.up("get pods")).toBeNull(); // the oldest: stays
    expect(h.down()).toBe("get nodes");
    expect(h.down()).toBe("desc"); // the draft comes back
    expect(h.down()).toBeNull(); // not browsing any more
  });

  it("skips blank lines and a line repeated right after itself; running a line ends browsing", () => {
    const h = new CommandHistory();
    h.push("get pods");
    h.push("  ");
    h.push("get pods ");
    h.push("top nodes");
    expect(h.entries()).toEqual(["get pods", "top nodes"]);
    expect(h.up("")).toBe("top nodes");
    h.push("events");
    expect(h.up("")).toBe("events");
  });

  it("keeps at most `max` lines", () => {
    const h = new CommandHistory(3);
    for (const l of ["a", "b", "c", "d"]) h.push(l);
    expect(h.entries()).toEqual(["b", "c", "d"]);
  });

  it("an empty history has nothing to give", () => {
    const h = new CommandHistory();
    expect(h.up("x")).toBeNull();
    expect(h.down()).toBeNull();
  });
});

describe("reading a line", () => {
  it("knows when apply reads its manifest from stdin", () => {
    expect(readsStdin("apply -f -")).toBe(true);
    expect(readsStdin("kubectl apply --filename -")).toBe(true);
    expect(readsStdin("apply -f=- --dry-run=server")).toBe(true);
    expect(readsStdin("apply --filename=-")).toBe(true);
    expect(readsStdin("apply -f shop.yaml")).toBe(false);
    expect(readsStdin("get pods -o wide")).toBe(false);
  });

  it("drops a leading $ and kubectl (the prompt shows kubectl already)", () => {
    expect(bareCommand("  kubectl get pods ")).toBe("get pods");
    expect(bareCommand("$ kubectl get pods")).toBe("get pods");
    expect(bareCommand("k get nodes")).toBe("get nodes");
    expect(bareCommand("get kubectl")).toBe("get kubectl");
  });

  it("measures a message as the room does (JSON characters)", () => {
    expect(messageSize({ line: "get pods" })).toBe(JSON.stringify({ line: "get pods" }).length);
  });
});
