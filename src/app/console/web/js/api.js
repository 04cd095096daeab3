// The console's only door to the server: the REST API, with the admin token as a bearer.
const TOKEN_KEY = 'llm-mgr.console.token';

/** An error answer of the API: the server's own code and message, shown to the operator verbatim. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.details = body && body.details;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

let onUnauthorized = () => {};
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

/** Calls `method path` with a JSON body; resolves to the parsed answer (undefined for 204), rejects with ApiError. */
export async function api(method, path, body, token = session.token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, { code: 'NETWORK', message: `The server did not answer (${error.message}).` });
  }
  const text = await response.text();
  let parsed;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = { message: text }; }
  if (!response.ok) {
    const error = new ApiError(response.status, parsed);
    if (response.status === 401 && token === session.token) onUnauthorized(error);
    throw error;
  }
  return parsed;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const put = (path, body = {}) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);
/** Encodes a display name (UTF-8, spaces, slashes) for a path segment. */
export const seg = (value) => encodeURIComponent(String(value));
