import { type Document, isAlias, isMap, isNode, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';

import { closestName, quoteName, type YamlPath, type YamlProblemReporter, type YamlSpot } from './yaml-config.problem';

/** One `key: value` of a mapping, with its key as written and the path down to it. */
export interface YamlEntry {
  name: string;
  /** Where to point for a problem with the key itself (or a missing field under it). */
  spot: YamlSpot;
  /** Aliases resolved; `null` for an empty value or `~`. */
  value: Node | null;
  path: YamlPath;
}

/** Bounds for `extra_body`: an alias may point at its own parent, and aliases can multiply a small file. */
const MAX_JSON_DEPTH = 32;
const MAX_JSON_NODES = 10_000;

interface JsonBudget {
  nodes: number;
}

/** Reads parsed YAML nodes with the checks every level shares: aliases, duplicate keys, unknown fields, JSON. */
export class YamlNodeReader {
  constructor(
    private readonly doc: Document.Parsed,
    readonly report: YamlProblemReporter,
  ) {}

  /** The node an alias points at; `null` for an absent value or an explicit null (`~`, empty). */
  resolve(node: unknown, path: YamlPath): Node | null {
    if (!isNode(node)) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) {
        this.report.fail(
          node,
          path,
          `The alias *${node.source} refers to no anchor defined before it.`,
          `define &${node.source} earlier in the file, or write the value out.`,
        );
      }
      return this.resolve(target, path);
    }
    return isScalar(node) && node.value === null ? null : node;
  }

  /** The entries of a mapping in file order. A key written twice, or a key that is not a plain name, is an error. */
  entries(map: YAMLMap, path: YamlPath): YamlEntry[] {
    const seen = new Map<string, YamlEntry>();
    for (const pair of map.items) {
      const keyNode = isNode(pair.key) ? pair.key : null;
      const spot: YamlSpot = keyNode ?? (isNode(pair.value) ? pair.value : map);
      const name = this.keyText(keyNode, spot, path);
      const entry: YamlEntry = { name, spot, value: this.resolve(pair.value, [...path, name]), path: [...path, name] };
      const first = seen.get(name);
      if (first !== undefined) {
        this.report.fail(
          spot,
          entry.path,
          `The key ${quoteName(name)} appears twice (first on line ${this.report.positionOf(first.spot).line}).`,
          'keep one of them and remove or rename the other.',
        );
      }
      seen.set(name, entry);
    }
    return [...seen.values()];
  }

  /**
   * The known fields of a mapping by name. An unknown field is an error that lists the allowed ones and suggests the
   * closest, so `baseUrl` or `base_ur` point to `base_url`.
   */
  fields<F extends string>(entries: YamlEntry[], allowed: readonly F[], owner: string): Partial<Record<F, YamlEntry>> {
    const fields: Partial<Record<F, YamlEntry>> = {};
    for (const entry of entries) {
      const field = allowed.find((candidate) => candidate === entry.name);
      if (field === undefined) {
        const suggestion = closestName(entry.name, allowed);
        this.report.fail(
          entry.spot,
          entry.path,
          `Unknown field ${quoteName(entry.name)} in ${owner}. Allowed fields: ${allowed.join(', ')}.`,
          suggestion === undefined ? 'remove it.' : `did you mean '${suggestion}'? Rename it.`,
        );
      }
      fields[field] = entry;
    }
    return fields;
  }

  /** A scalar as text, numbers as written (`1.50` stays `1.50`), so names and references may be left unquoted. */
  scalarText(node: Node | null): string | undefined {
    if (!isScalar(node)) return undefined;
    if (typeof node.value === 'string') return node.value;
    if (typeof node.value === 'number' || typeof node.value === 'boolean') return node.source ?? String(node.value);
    return undefined;
  }

  /** How a node reads in a message: "a list", "a number", … */
  describe(node: Node | null): string {
    if (node === null) return 'empty';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      if (typeof node.value === 'string') return 'a string';
      if (typeof node.value === 'number') return 'a number';
      if (typeof node.value === 'boolean') return 'true/false';
    }
    return 'an unsupported value';
  }

  /**
   * A YAML mapping as a JSON object (what goes into a request body): only finite numbers, strings, booleans, null,
   * lists and objects inside.
   */
  jsonObject(map: YAMLMap, path: YamlPath): Record<string, unknown> {
    return this.jsonMap(map, path, 0, { nodes: 0 });
  }

  private jsonMap(map: YAMLMap, path: YamlPath, depth: number, budget: JsonBudget): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const entry of this.entries(map, path)) {
      // defineProperty keeps a key named "__proto__" an own property instead of replacing the prototype.
      Object.defineProperty(result, entry.name, {
        value: this.jsonValue(entry.value, entry.path, depth + 1, budget),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }

  private jsonValue(node: Node | null, path: YamlPath, depth: number, budget: JsonBudget): unknown {
    budget.nodes += 1;
    if (depth > MAX_JSON_DEPTH || budget.nodes > MAX_JSON_NODES) {
      this.report.fail(
        node,
        path,
        `The value is nested deeper than ${MAX_JSON_DEPTH} levels or has more than ${MAX_JSON_NODES} elements ` +
          '(a recursive alias?).',
        'write a smaller, non-recursive value.',
      );
    }
    if (node === null) return null;
    if (isMap(node)) return this.jsonMap(node, path, depth, budget);
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const itemPath = [...path, String(index)];
        return this.jsonValue(this.resolve(item, itemPath), itemPath, depth + 1, budget);
      });
    }
    if (isScalar(node)) {
      const value = node.value;
      if (typeof value === 'string' || typeof value === 'boolean') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'number') {
        this.report.fail(
          node,
          path,
          `${node.source ?? String(value)} is not a valid JSON number.`,
          'use a finite number, or quote it to send a string.',
        );
      }
    }
    return this.report.fail(
      node,
      path,
      'This value cannot be sent as JSON.',
      'use only strings, numbers, true/false, null, lists and mappings.',
    );
  }

  private keyText(key: Node | null, spot: YamlSpot, path: YamlPath): string {
    const resolved = this.resolve(key, path);
    if (resolved === null) return '';
    const text = this.scalarText(resolved);
    if (text === undefined) {
      this.report.fail(
        spot,
        path,
        `A key must be a plain name, not ${this.describe(resolved)}.`,
        "write the name as text, quoted if needed: 'My name': …",
      );
    }
    return text;
  }
}
