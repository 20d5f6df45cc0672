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

let specPaths = null;

/**
 * What this server offers, read from its OpenAPI document (open even under auth). Views
 * for v2 features (misfires, schedules, bulk retry, flow state) light up once the server
 * documents the endpoint, with no change to the console.
 */
export async function capabilities() {
  if (!specPaths) {
    try {
      const response = await fetch('/openapi.json', { cache: 'no-store' });
      specPaths = response.ok ? (await response.json()).paths || {} : {};
    } catch {
      specPaths = {};
    }
  }
  const has = (path, method) => Boolean(specPaths[path] && specPaths[path][method]);
  return {
    bulkRetry: has('/v1/tasks/retry', 'post'),
    schedule: has('/v1/tasks/{task_id}/schedule', 'get'),
    misfires: has('/v1/tasks/{task_id}/misfires', 'get'),
    enableCallback: has('/v1/callbacks/{name}/enable', 'post'),
    taskCounts: has('/v1/stats/tasks', 'get'),
    deliveryStats: has('/v1/stats/deliveries', 'get'),
  };
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
 * Bulk retry of failed tasks, in two steps so the operator sees the count before anything
 * changes. `selector` is what the v2 endpoint takes: `{callback}`, `{group_id}` or
 * `{task_ids}`.
 *
 * With `POST /v1/tasks/retry` (v2) the preview is its `dry_run` answer and the retry one
 * call. Without it (v1) the preview lists the failed tasks and the retry re-arms them one
 * `POST /v1/tasks/{id}/retry` at a time; a task that stopped being failed meanwhile
 * answers 409 and is counted as skipped, not as an error.
 */
export async function previewRetry(selector) {
  const caps = await capabilities();
  if (caps.bulkRetry) {
    const answer = await post('/v1/tasks/retry', { ...selector, dry_run: true });
    return { mode: 'bulk', selector, count: answer.affected, taskIds: answer.task_ids || [] };
  }
  let ids;
  if (selector.task_ids) {
    ids = selector.task_ids;
  } else {
    const filter = { status: 'failed' };
    if (selector.callback) filter.callback = selector.callback;
    if (selector.group_id) filter.group_id = selector.group_id;
    ids = (await allTasks(filter)).tasks.map((t) => t.task_id);
  }
  return { mode: 'each', selector, count: ids.length, taskIds: ids };
}

export async function applyRetry(preview, onProgress = () => {}) {
  if (preview.mode === 'bulk') {
    const answer = await post('/v1/tasks/retry', preview.selector);
    return { affected: answer.affected, skipped: 0, errors: [] };
  }
  let affected = 0;
  let skipped = 0;
  const errors = [];
  // A few at a time: quick for hundreds of tasks, gentle on a busy server.
  const queue = [...preview.taskIds];
  const worker = async () => {
    while (queue.length) {
      const id = queue.shift();
      try {
        await post(`/v1/tasks/${encodeURIComponent(id)}/retry`);
        affected += 1;
      } catch (error) {
        if (error.status === 409 || error.status === 404) skipped += 1;
        else errors.push({ id, error });
      }
      onProgress(affected + skipped + errors.length, preview.taskIds.length);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { affected, skipped, errors };
}
