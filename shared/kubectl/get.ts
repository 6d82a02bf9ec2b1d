/** `kubectl get`: tables, `-o wide|yaml|json|name`, several types, names, `-l`, `-A`. */
import { bool, parseFlags, str, type FlagSpec } from "./flags.ts";
import { NAMESPACE, type Ctx } from "./model.ts";
import { ADAPTERS, findItem, withLabelsColumn, type Item } from "./listing.ts";
import {
  noResources,
  notFound,
  qualifiedSingular,
  resolveType,
  unknownType,
  type EMPTY_TYPES,
  type Kind,
  type ResourceType,
} from "./resources.ts";
import { parseSelector, type Selector } from "./selector.ts";
import { table } from "./text.ts";
import { done, failed, toJson, toYaml, type KubectlResult } from "./result.ts";
import { usageFor } from "./help.ts";

export const OUTPUT_FORMATS = ["json", "name", "wide", "yaml"];

/**
 * Serializing a pod to YAML costs a few milliseconds: a list of thousands would stall the class's
 * room for seconds, so structured output is capped (tables are cheap and are not).
 */
export const MAX_STRUCTURED = 100;

const GET_FLAGS: FlagSpec[] = [
  { name: "output", short: "o", type: "string" },
  { name: "all-namespaces", short: "A", type: "bool" },
  { name: "selector", short: "l", type: "string" },
  { name: "show-labels", type: "bool" },
  { name: "no-headers", type: "bool" },
  { name: "watch", short: "w", type: "bool" },
  { name: "sort-by", type: "string" },
];

/** `get all` covers these, in the order kubectl prints them. */
const ALL_KINDS: Kind[] = ["Pod", "Service", "Deployment", "ReplicaSet", "HorizontalPodAutoscaler"];

type Request = { type: ResourceType; names: string[] } | { empty: (typeof EMPTY_TYPES)[number]; names: string[] };

export function badOutput(format: string): string {
  return `error: unable to match a printer suitable for the output format "${format}", allowed formats are: ${OUTPUT_FORMATS.join(",")}`;
}

/** Turn `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...` into per-type requests. */
export function parseResourceArgs(args: string[], allowAll: boolean): { ok: true; requests: Request[]; multi: boolean } | { ok: false; error: string } {
  const requests: Request[] = [];
  const add = (word: string, names: string[]): string | null => {
    if (allowAll && word.toLowerCase() === "all") {
      for (const k of ALL_KINDS) requests.push({ type: ADAPTERS[k].type, names });
      return null;
    }
    const r = resolveType(word);
    if ("unknown" in r) return unknownType(word);
    if ("type" in r) {
      const existing = requests.find((q) => "type" in q && q.type === r.type);
      if (existing) existing.names.push(...names);
      else requests.push({ type: r.type, names: [...names] });
    } else requests.push({ empty: r.empty, names: [...names] });
    return null;
  };
  if (args.some((a) => a.includes("/"))) {
    for (const a of args) {
      const slash = a.indexOf("/");
      if (slash < 0) {
        return {
          ok: false,
          error: `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
        };
      }
      const err = add(a.slice(0, slash), [a.slice(slash + 1)]);
      if (err) return { ok: false, error: err };
    }
  } else {
    const [types = "", ...names] = args;
    for (const t of types.split(",").filter((x) => x.length > 0)) {
      const err = add(t, names);
      if (err) return { ok: false, error: err };
    }
  }
  const kinds = new Set(requests.map((r) => ("type" in r ? r.type.kind : r.empty.plural)));
  const multi = kinds.size > 1 || args.some((a) => a.toLowerCase().split(",").includes("all"));
  return { ok: true, requests, multi };
}

export function runGet(ctx: Ctx, args: string[]): KubectlResult {
  const parsed = parseFlags(args, GET_FLAGS, "get");
  if (!parsed.ok) return failed(parsed.error);
  const f = parsed.flags;
  if (bool(f, "help")) return done(usageFor("get"));
  if (bool(f, "watch")) return failed("error: --watch is not available in this console: run the command again to see what changed");
  const format = str(f, "output") ?? "";
  if (format !== "" && !OUTPUT_FORMATS.includes(format)) return failed(badOutput(format));
  const sortBy = str(f, "sort-by");
  if (sortBy !== undefined && sortBy !== ".metadata.name" && sortBy !== ".lastTimestamp" && sortBy !== ".metadata.creationTimestamp") {
    return failed(`error: --sort-by in this console accepts .metadata.name, .metadata.creationTimestamp and .lastTimestamp (the orders it already prints)`);
  }
  ctx.allNamespaces = bool(f, "all-namespaces");
  let selector: Selector | null = null;
  const sel = str(f, "selector");
  if (sel !== undefined) {
    const p = parseSelector(sel);
    if (!p.ok) return failed(p.error);
    selector = p.match;
  }

  if (f.positional.length === 0) {
    return failed(
      `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n` +
        `error: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples`,
    );
  }
  const res = parseResourceArgs(f.positional, true);
  if (!res.ok) return failed(res.error);
  if (selector && res.requests.some((r) => r.names.length > 0)) return failed("error: name cannot be provided when a selector is specified");

  const groups: { type: ResourceType; items: Item[] }[] = [];
  const errors: string[] = [];
  const namedOne = res.requests.length === 1 && res.requests[0]!.names.length === 1;
  for (const req of res.requests) {
    if ("empty" in req) {
      for (const n of req.names) errors.push(notFound(req.empty, n));
      continue;
    }
    let items: Item[];
    if (req.names.length > 0) {
      items = [];
      for (const n of req.names) {
        const item = findItem(ctx, req.type.kind, n);
        if (item) items.push(item);
        else errors.push(notFound(req.type, n));
      }
    } else {
      items = ADAPTERS[req.type.kind].list(ctx);
      if (selector) items = items.filter((i) => selector(i.labels));
    }
    groups.push({ type: req.type, items });
  }

  const allItems = groups.flatMap((g) => g.items);
  let body = "";
  if ((format === "yaml" || format === "json") && allItems.length > MAX_STRUCTURED) {
    return failed(
      `error: this console prints at most ${MAX_STRUCTURED} objects as ${format.toUpperCase()} (this request matches ${allItems.length}): name the objects, or narrow the list with -l`,
    );
  }
  if (format === "yaml" || format === "json") {
    const render = format === "yaml" ? toYaml : toJson;
    if (namedOne && allItems.length === 1) body = render(allItems[0]!.object());
    else if (allItems.length > 0 || errors.length === 0) {
      body = render({ apiVersion: "v1", items: allItems.map((i) => i.object()), kind: "List", metadata: { resourceVersion: "" } });
    }
  } else if (format === "name") {
    body = allItems.map((i) => `${qualifiedSingular(i.type)}/${i.name}`).join("\n");
  } else {
    const wide = format === "wide";
    const blocks: string[] = [];
    for (const g of groups) {
      if (g.items.length === 0) continue;
      const withNs = ctx.allNamespaces && g.type.namespaced;
      let headers = ADAPTERS[g.type.kind].headers(wide);
      if (withNs) headers = ["NAMESPACE", ...headers];
      if (bool(f, "show-labels")) headers = [...headers, "LABELS"];
      const rows = g.items.map((item) => {
        let row = item.row(wide);
        if (res.multi) row = row.map((c, i) => (i === 0 ? `${qualifiedSingular(g.type)}/${c}` : c));
        if (withNs) row = [NAMESPACE, ...row];
        if (bool(f, "show-labels")) row = withLabelsColumn(row, item);
        return row;
      });
      blocks.push(table(bool(f, "no-headers") ? null : headers, rows));
    }
    body = blocks.join("\n\n");
    if (blocks.length === 0 && errors.length === 0) {
      const clusterScoped = res.requests.every((r) => ("type" in r ? !r.type.namespaced : !r.empty.namespaced));
      body = noResources(ctx.allNamespaces || clusterScoped ? null : ctx.namespace);
    }
  }
  const output = [body, ...errors].filter((x) => x.length > 0).join("\n");
  return errors.length ? failed(output) : done(output);
}
