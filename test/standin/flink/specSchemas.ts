// Validates REST answers against the schemas of Flink's own OpenAPI description (shared/specs/flink-rest-v1.19.yml) with ajv.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from '../../repoRoot';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Json }> }> }>>;
  components: { schemas: Record<string, Json> };
}

const SPEC_ID = 'flink-rest';

function specFile(): string {
  const candidates = [process.env.FLINK_REST_SPEC, path.join(repoRoot(), '..', 'shared', 'specs', 'flink-rest-v1.19.yml'), '/work/shared/specs/flink-rest-v1.19.yml'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error('flink-rest-v1.19.yml not found: set FLINK_REST_SPEC to its path');
}

/** Rewrites local refs so they point into the registered spec document. */
function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : rewriteRefs(v);
    return out;
  }
  return node;
}

export class SpecValidator {
  private readonly ajv: Ajv;
  private readonly spec: OpenApi;
  private readonly cache = new Map<string, ValidateFunction>();
  private templates?: { t: string; params: number; re: RegExp }[];

  constructor() {
    this.spec = yaml.load(fs.readFileSync(specFile(), 'utf8')) as OpenApi;
    const schemas = rewriteRefs(this.spec.components.schemas as Json) as Record<string, Json>;
    // TaskManager ids are free text (a Mesos task id): the notes say not to hold them to the spec's hex pattern.
    schemas.ResourceID = { type: 'string' };
    // Real 1.13.6, 1.20.5 and 2.3.0 send "description": null for an entry class (test/fixtures/flink-rest/<version>/*-jars.json).
    (schemas.JarEntryInfo as { properties: Record<string, Json> }).properties.description = { type: ['string', 'null'] };
    // Recorded from 1.20: a vertex that was cancelled before it ran sends accumulated-busy-time as the string "NaN" (Jackson's double NaN).
    (schemas.IOMetricsInfo as { properties: Record<string, Json> }).properties['accumulated-busy-time'] = { anyOf: [{ type: 'number' }, { const: 'NaN' }] };
    // The savepoint status's `operation` is a oneOf of three schemas without required members: every object matches several,
    // so as written no answer (not even Flink's own {"location": ...}) could pass. Read it as anyOf.
    const result = schemas.AsynchronousOperationResult as { properties: { operation: Record<string, Json> } };
    result.properties.operation = { anyOf: result.properties.operation.oneOf };
    // OpenAPI keywords ajv does not know (example, discriminator...) are ignored; int32 and friends are OpenAPI formats.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'double', 'float', 'binary', 'byte']) this.ajv.addFormat(f, true);
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas } } as object);
  }

  /** Validates against a named component schema; throws with ajv's errors. */
  schema(name: string, body: unknown): void {
    this.run(`#${name}`, { $ref: `${SPEC_ID}#/components/schemas/${name}` }, body, name);
  }

  /** Validates the 2xx answer of an operation, e.g. response('get', '/jobs/{jobid}', body). */
  response(method: string, template: string, body: unknown, status?: string): void {
    const op = this.spec.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`the spec has no ${method.toUpperCase()} ${template}`);
    const responses = op.responses ?? {};
    const code = status ?? Object.keys(responses).find((c) => c.startsWith('2'));
    const schema = code ? responses[code]?.content?.['application/json']?.schema : undefined;
    if (!schema) throw new Error(`the spec has no JSON answer for ${method.toUpperCase()} ${template}`);
    this.run(`${method} ${template} ${code}`, rewriteRefs(schema) as object, body, `${method.toUpperCase()} ${template}`);
  }

  /** The spec's path template for a request path ("/jobs/ab12/plan" -> "/jobs/{jobid}/plan"), literal segments first; undefined if none. */
  template(pathname: string): string | undefined {
    this.templates ??= Object.keys(this.spec.paths)
      .map((t) => ({ t, params: (t.match(/\{/g) ?? []).length, re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`) }))
      .sort((a, b) => a.params - b.params);
    return this.templates.find((x) => x.re.test(pathname))?.t;
  }

  /** Whether the spec describes this method on this template. */
  has(method: string, template: string): boolean {
    return this.spec.paths[template]?.[method.toLowerCase()] !== undefined;
  }

  /** Whether the spec gives a JSON schema for the 2xx answer (DELETE /jars/{jarid} and DELETE /cluster have none: Flink sends {}). */
  hasJsonAnswer(method: string, template: string): boolean {
    const responses = this.spec.paths[template]?.[method.toLowerCase()]?.responses ?? {};
    const code = Object.keys(responses).find((c) => c.startsWith('2'));
    return code !== undefined && responses[code]?.content?.['application/json']?.schema !== undefined;
  }

  /** Validates against a schema given inline (its refs point into the spec's components). */
  inline(key: string, schema: Json, body: unknown, what: string): void {
    this.run(`inline ${key}`, rewriteRefs(schema) as object, body, what);
  }

  private run(key: string, schema: object, body: unknown, what: string): void {
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(`${what} does not match the spec: ${this.ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(body).slice(0, 2000)}`);
    }
  }
}
