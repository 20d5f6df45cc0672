// The console's only door to the server: the public API, called as any client would.
//
// Auth-ready: every call carries `Authorization: Bearer <key>` once a key is known; a 401
// asks for a key (one prompt shared by all calls waiting on it) and repeats the call.
// The key lives in sessionStorage, so it is gone when the tab closes.

const KEY_STORAGE = 'taskshed.apiKey';

/** An API answer that was not 2xx, with its RFC 9457 problem (or a stand-in). */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.code = p.code || null;
    this.title = p.title || (status ? `HTTP ${status}` : 'Network error');
    this.problem = p;
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

let askForKey = async () => null;
let pendingPrompt = null;

/** Installs the function that asks the operator for a key (resolves to a key or null). */
export function onKeyNeeded(ask) {
  askForKey = ask;
}

function promptOnce(reason) {
  if (!pendingPrompt) {
    pendingPrompt = Promise.resolve(askForKey(reason)).finally(() => {
      pendingPrompt = null;
    });
  }
  return pendingPrompt;
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

/** Calls the API; resolves to the parsed body (null when empty), rejects with ApiError. */
export async function call(method, path, body) {
  for (;;) {
    const headers = { accept: 'application/json' };
    const key = storedKey();
    if (key) headers.authorization = `Bearer ${key}`;
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, {
        title: 'Server unreachable',
        detail: `The request did not reach TaskShed (${error.message}). Check that the server is running, then reload this page.`,
      });
    }
    const data = await readBody(response);
    if (response.status === 401) {
      const reason = key
        ? 'The server refused the key in use (unknown, expired or revoked). Enter another key.'
        : 'This server asks for an API key. Enter one with at least the read scope.';
      setKey(null);
      const entered = await promptOnce(reason);
      if (entered) {
        setKey(entered);
        continue;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const del = (path) => call('DELETE', path);

/** `?a=1&b=2` from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.append(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Every page of a task listing, up to `max` tasks; `truncated` says whether more exist. */
export async function allTasks(filter, max = 10000) {
  const tasks = [];
  let cursor = null;
  do {
    const page = await get(`/v1/tasks${query({ ...filter, limit: 1000, cursor })}`);
    tasks.push(...page.tasks);
    cursor = page.next_cursor;
  } while (cursor && tasks.length < max);
  return { tasks, truncated: Boolean(cursor) };
}

/**
 * The registered callbacks with their flow state. The listing leaves `flow` out (it is
 * read per callback), so each one is read with `GET /v1/callbacks/{name}`, a few at a
 * time; a callback that fails to load keeps its listing entry and carries the error.
 */
export async function callbacksWithFlow() {
  const { callbacks } = await get('/v1/callbacks?limit=1000');
  const queue = callbacks.map((c, i) => [c, i]);
  const worker = async () => {
    while (queue.length) {
      const [c, i] = queue.shift();
      try {
        callbacks[i] = await get(`/v1/callbacks/${encodeURIComponent(c.name)}`);
      } catch (error) {
        if (error.status === 404) callbacks[i] = null; // deleted meanwhile
        else callbacks[i] = { ...c, loadError: error };
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return callbacks.filter(Boolean);
}

/**
 * Bulk retry of failed tasks, in two steps so the operator sees the count before anything
 * changes: the preview is `POST /v1/tasks/retry` with `dry_run` (nothing changes; it
 * answers `affected` and up to 100 `task_ids`), the retry the same call without it.
 * `selector` is exactly one of `{callback}`, `{group_id}` or `{task_ids}`.
 */
export async function previewRetry(selector) {
  const answer = await post('/v1/tasks/retry', { ...selector, dry_run: true });
  return { selector, count: answer.affected, taskIds: answer.task_ids || [] };
}

export async function applyRetry(preview) {
  const answer = await post('/v1/tasks/retry', preview.selector);
  return { affected: answer.affected };
}
