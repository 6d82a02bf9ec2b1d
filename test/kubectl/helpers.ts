/** Shared checks for the kubectl console tests: run a line, and look at output the way a reader of kubectl would. */
import { expect } from "vitest";
import { kubectl, type KubectlOptions, type KubectlResult } from "../../shared/kubectl/index.ts";
import { stateHash, type ClusterState } from "../../shared/sim/index.ts";
import { Scenario } from "../sim/harness.ts";

/** Run a line and check the one promise every verb makes: the state is not touched. */
export function run(s: ClusterState, line: string, opts: KubectlOptions = {}): KubectlResult {
  const before = stateHash(s);
  const r = kubectl(s, line, opts);
  expect(stateHash(s), `"${line}" must not change the state`).toBe(before);
  return r;
}

export function ok(s: ClusterState, line: string, opts: KubectlOptions = {}): string {
  const r = run(s, line, opts);
  expect(r.ok, `"${line}" failed:\n${r.output}`).toBe(true);
  return r.output;
}

export function lines(text: string): string[] {
  return text.split("\n");
}

/** Where each header column starts: a column begins after a run of at least two spaces. */
export function columnStarts(header: string): number[] {
  const starts = [0];
  const re = / {2,}(?=\S)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push(m.index + m[0].length);
  return starts;
}

/**
 * A kubectl table: every row's cells start exactly at the header's column offsets, with at least
 * `gap` spaces before each column (kubectl get pads with 3).
 */
export function expectTable(text: string, headers: string[], { gap = 3, allowEmpty = false } = {}): string[][] {
  const [header, ...rows] = lines(text);
  expect(header!.trim().split(/ {2,}/)).toEqual(headers);
  const starts = columnStarts(header!);
  expect(starts).toHaveLength(headers.length);
  for (let i = 1; i < starts.length; i++) expect(header!.slice(starts[i]! - gap, starts[i]!)).toBe(" ".repeat(gap));
  return rows.map((row) => {
    const cells: string[] = [];
    for (let i = 0; i < starts.length; i++) {
      const from = starts[i]!;
      const to = i + 1 < starts.length ? starts[i + 1]! : row.length;
      const cell = row.slice(from, to).trim();
      cells.push(cell);
      if (cell === "" && allowEmpty) continue;
      if (i > 0) expect(row[from - 1], `row "${row}" column ${headers[i]} must start at ${from}`).toBe(" ");
      expect(row[from], `row "${row}" has a cell at ${headers[i]}`).not.toBe(" ");
    }
    return cells;
  });
}

/** kubectl's AGE column (HumanDuration). */
export const AGE = /^(\d+s|\d+m(\d+s)?|\d+h(\d+m)?|\d+d(\d+h)?|\d+y(\d+d)?)$/;

/** Three nodes and a healthy four-replica web app, settled. */
export function city(seed = 7): Scenario {
  return new Scenario(seed).nodes(3).deploy("web", "v1", 4, { baselineRps: 20 }).run(60_000);
}

export const teacher: KubectlOptions = { allowMutations: true };
