// The console's only way to the server: the public Cognito Identity and Cognito Sync APIs and
// the admin API, every request SigV4-signed in the page with the signed-in developer key (D30).
// Errors become ApiError with the AWS code, the message, the HTTP status and the request id.

import { canonicalQuery, sign, uriEncode } from './sigv4.js';

export const REGION = 'us-east-1';

export class ApiError extends Error {
  constructor(code, message, status, requestId) {
    super(message);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

// A path label as the REST operations expect it (':' and every other reserved byte escaped).
export const label = (value) => uriEncode(String(value));

export class Api {
  // credentials: { accessKeyId, secretAccessKey }; origin: where the server is (this page's).
  constructor(credentials, host = location.host) {
    this.credentials = credentials;
    this.host = host;
    this.base = `${location.protocol}//${host}`;
  }

  async send(service, method, path, { query = [], headers = {}, body = '' } = {}) {
    const q = canonicalQuery(query.filter(([, v]) => v !== undefined && v !== null && v !== ''));
    const signed = sign({ method, host: this.host, path, query: q, headers, body },
      this.credentials, REGION, service);
    let response;
    try {
      response = await fetch(`${this.base}${path}${q ? `?${q}` : ''}`, {
        method, headers: signed, body: method === 'GET' || method === 'DELETE' ? undefined : body,
        cache: 'no-store', credentials: 'omit',
      });
    } catch (err) {
      throw new ApiError('NetworkError',
        `The server could not be reached (${err.message}). Check that cogsync is running.`, 0, '');
    }
    const requestId = response.headers.get('x-amzn-RequestId') || '';
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = null;
    }
    if (!response.ok || json === null) {
      const type = response.headers.get('x-amzn-ErrorType') || (json && json.__type) || '';
      const code = type.split(':')[0].split('#').pop() || `HTTP ${response.status}`;
      const message = (json && (json.message || json.Message)) || text.slice(0, 300) ||
        response.statusText;
      throw new ApiError(code, message, response.status, requestId);
    }
    return json;
  }

  identity(operation, input = {}) {
    return this.send('cognito-identity', 'POST', '/', {
      headers: { 'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityService.${operation}` },
      body: JSON.stringify(input),
    });
  }

  // Cognito Sync's REST form: `path` with labels already escaped (use label()).
  sync(method, path, { query = [], body } = {}) {
    return this.send('cognito-sync', method, path, body === undefined ? { query } : {
      query, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
  }

  admin(name, query = []) {
    return this.send('cogsync', 'GET', `/admin/${name}`, { query });
  }
}

// Unsigned GETs of the server's own endpoints (/healthz, /metrics).
export async function fetchText(path) {
  const response = await fetch(path, { cache: 'no-store', credentials: 'omit' });
  return { status: response.status, text: await response.text() };
}
