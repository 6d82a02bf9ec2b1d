import YAML from "yaml";
import type { Command } from "../sim/command-schema.ts";

export interface KubectlResult {
  /** kubectl's exit status would be 0. */
  ok: boolean;
  /** stdout and stderr as a terminal shows them, without the final newline. */
  output: string;
  /** Simulation commands to apply, in order (mutating verbs only; empty when ok is false). */
  commands: Command[];
}

export const done = (output: string, commands: Command[] = []): KubectlResult => ({ ok: true, output, commands });
export const failed = (output: string): KubectlResult => ({ ok: false, output, commands: [] });

/** kubectl -o yaml: keys sorted (Go marshals maps), sequences not indented, YAML 1.1 quoting like go-yaml. */
export function toYaml(value: unknown): string {
  return YAML.stringify(value, { indentSeq: false, sortMapEntries: true, version: "1.1", lineWidth: 0, aliasDuplicateObjects: false }).replace(/\n$/, "");
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}
