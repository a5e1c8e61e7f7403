// Checks HTTP exchanges against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12, the
// dialect of OpenAPI 3.1): the operation exists, the status is documented, the content type
// is one the response lists, its required headers are there, and the body matches the schema.
// It also records which operations and statuses were seen, so that a test can require every
// operation of the document to have been exercised.

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const kMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

// "/api/orders/{orderId}/saga" -> /^\/api\/orders\/([^/]+)\/saga$/
function templateRegExp(template) {
  const escaped = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('([^/]+)')}$`);
}

// JSON pointer of a document location, for ajv: ["paths", "/api/x", "get"] -> "#/paths/~1api~1x/get".
function pointer(parts) {
  return '#/' + parts.map((part) => encodeURIComponent(String(part).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

export class OpenApiValidator {
  constructor(document) {
    this.document = document;
    // strictSchema off: the document carries OpenAPI keywords (paths, responses...) around the
    // schemas; strict types on, so that a schema mistake in the document is an error here.
    this.ajv = new Ajv2020({ allErrors: true, strictSchema: false, strictTypes: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    this.routes = Object.keys(document.paths)
      .map((template) => ({ template, regexp: templateRegExp(template), parameters: (template.match(/\{/g) ?? []).length }))
      .sort((a, b) => a.parameters - b.parameters);  // a literal segment wins over a parameter
    this.seen = new Map();  // "GET /api/orders/{orderId}" -> Set of statuses
  }

  // Every operation of the document, "METHOD template".
  operations() {
    const out = [];
    for (const [template, item] of Object.entries(this.document.paths)) {
      for (const method of kMethods) if (item[method]) out.push(`${method.toUpperCase()} ${template}`);
    }
    return out;
  }

  // The $ref'd object (responses, parameters), or the object itself.
  resolve(object) {
    let current = object;
    while (current && current.$ref) {
      const parts = current.$ref.replace(/^#\//, '').split('/').map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
      current = parts.reduce((node, part) => node[part], this.document);
    }
    return current;
  }

  schemaErrors(location, value) {
    const validate = this.ajv.getSchema(`openapi.json${pointer(location)}`);
    if (!validate) return [`no schema at ${pointer(location)}`];
    if (validate(value)) return [];
    return validate.errors.map((error) => `${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`);
  }

  // Compiles every schema of every response and request body once, so that a broken schema
  // fails at once rather than when its status first comes up.
  compileAll() {
    const problems = [];
    for (const name of this.operations()) {
      const { template, method } = this.split(name);
      const operation = this.document.paths[template][method];
      const locations = [];
      if (operation.requestBody) {
        for (const type of Object.keys(operation.requestBody.content)) locations.push(['paths', template, method, 'requestBody', 'content', type, 'schema']);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const resolved = this.resolve(response);
        for (const type of Object.keys(resolved.content ?? {})) {
          locations.push(response.$ref
            ? [...response.$ref.replace(/^#\//, '').split('/'), 'content', type, 'schema']
            : ['paths', template, method, 'responses', status, 'content', type, 'schema']);
        }
      }
      for (const location of locations) {
        try {
          if (!this.ajv.getSchema(`openapi.json${pointer(location)}`)) problems.push(`${name}: no schema at ${pointer(location)}`);
        } catch (error) {
          problems.push(`${name}: ${pointer(location)}: ${error.message}`);
        }
      }
    }
    return problems;
  }

  split(name) {
    const [method, template] = name.split(' ');
    return { method: method.toLowerCase(), template };
  }

  match(method, path) {
    const route = this.routes.find((candidate) => candidate.regexp.test(path));
    if (!route) return { error: `no path of the document matches ${path}` };
    const operation = this.document.paths[route.template][method.toLowerCase()];
    if (!operation) return { error: `${method} ${route.template} is not in the document` };
    return { template: route.template, operation };
  }

  // The request as the client sent it: its body against the requestBody schema and its
  // required header parameters. Only for requests meant to be valid (the happy paths).
  checkRequest(method, path, { body, headers = {} }) {
    const found = this.match(method, path);
    if (found.error) return [found.error];
    const problems = [];
    const { template, operation } = found;
    const parameters = [...(this.document.paths[template].parameters ?? []), ...(operation.parameters ?? [])].map((p) => this.resolve(p));
    for (const parameter of parameters) {
      if (parameter.in === 'header' && parameter.required && !Object.keys(headers).some((h) => h.toLowerCase() === parameter.name.toLowerCase())) {
        problems.push(`request lacks the required header ${parameter.name}`);
      }
    }
    if (operation.requestBody?.required && body === undefined) problems.push('request lacks its required body');
    if (body !== undefined && operation.requestBody) {
      problems.push(...this.schemaErrors(['paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'], body)
        .map((error) => `request body: ${error}`));
    }
    return problems;
  }

  // One answer: {status, headers (a Headers object), text (the body; null when not read)}.
  // Returns the problems found (empty when it matches) and records the operation as seen.
  checkResponse(method, path, { status, headers, text }) {
    const found = this.match(method, path);
    if (found.error) return [found.error];
    const { template, operation } = found;
    const name = `${method.toUpperCase()} ${template}`;
    if (!this.seen.has(name)) this.seen.set(name, new Set());
    this.seen.get(name).add(status);

    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => operation.responses[k]);
    if (!key) return [`${name}: status ${status} is not documented (${Object.keys(operation.responses).join(', ')})`];
    const documented = operation.responses[key];
    const response = this.resolve(documented);
    const base = documented.$ref ? documented.$ref.replace(/^#\//, '').split('/') : ['paths', template, method.toLowerCase(), 'responses', key];
    const problems = [];

    for (const [header, definition] of Object.entries(response.headers ?? {})) {
      const resolved = this.resolve(definition);
      const value = headers.get(header);
      if (value === null) {
        if (resolved.required) problems.push(`${name} ${status}: header ${header} is missing`);
        continue;
      }
      const schema = resolved.schema ?? {};
      const typed = schema.type === 'integer' ? Number(value) : value;
      const validate = this.ajv.compile(schema.$ref ? { $ref: `openapi.json${schema.$ref}` } : schema);
      if (!validate(typed)) problems.push(`${name} ${status}: header ${header}: ${value} ${this.ajv.errorsText(validate.errors)}`);
    }

    const content = response.content ?? {};
    const contentType = (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (Object.keys(content).length === 0) {
      if (text) problems.push(`${name} ${status}: a body where none is documented`);
      return problems;
    }
    if (!content[contentType]) {
      return [...problems, `${name} ${status}: content type '${contentType}' is not documented (${Object.keys(content).join(', ')})`];
    }
    if (text === null) return problems;  // a stream: its head only
    let body = text;
    if (contentType.endsWith('json')) {
      try {
        body = JSON.parse(text);
      } catch (error) {
        return [...problems, `${name} ${status}: the body is not JSON: ${error.message}`];
      }
    }
    problems.push(...this.schemaErrors([...base, 'content', contentType, 'schema'], body).map((error) => `${name} ${status}: ${error}`));
    return problems;
  }

  // The body of an event of GET /api/orders/{orderId}/events against a component schema.
  checkComponent(schemaName, value) {
    return this.schemaErrors(['components', 'schemas', schemaName], value);
  }

  notExercised() {
    return this.operations().filter((name) => !this.seen.has(name));
  }

  // "GET /api/orders: 200 400 401", sorted, for the log.
  summary() {
    return this.operations().map((name) => `${name}: ${[...(this.seen.get(name) ?? [])].sort().join(' ') || 'NOT EXERCISED'}`);
  }
}
