// The TaskShed console: hash-routed views over the public API (see api.js).
//
// Everything is built with DOM calls, never from HTML strings, so task ids, errors and
// receiver answers (which anyone able to create a task controls) cannot inject markup.

import * as api from './api.js';

const STATUSES = ['scheduled', 'running', 'succeeded', 'failed'];
const main = document.getElementById('main');
const flashBox = document.getElementById('flash');

// ---------------------------------------------------------------------------------------
// Small DOM and formatting helpers.

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const localFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
});

/** A time in the browser's zone; the UTC original on hover and in `datetime`. */
function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const utc = `${iso.replace('T', ' ').replace('Z', '')} UTC`;
  return h('time', { datetime: iso, title: utc }, localFormat.format(date));
}

function badge(status) {
  return h('span', { class: `badge badge-${status}` }, status);
}

function taskLink(id) {
  return h('a', { href: `#/task/${encodeURIComponent(id)}`, class: 'mono' }, id);
}

function plural(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

// A message belongs to the action that caused it: it survives the re-render that follows
// the action, and the one navigation the action itself makes (delete → task list), but
// not the operator's next navigation.
let keepFlashOnNavigation = false;

function flash(message, kind = 'ok') {
  flashBox.replaceChildren(h('p', { class: `flash flash-${kind}` }, message));
}

function navigateAfterAction(hash) {
  keepFlashOnNavigation = true;
  location.hash = hash;
}

/** What to do about an error, in words an operator can act on. */
function advice(error) {
  if (!(error instanceof api.ApiError)) return 'Reload the page; if it happens again, report it with the browser console output.';
  if (error.status === 0) return 'Check that TaskShed is running and reachable, then reload.';
  if (error.status === 401) return 'Enter an API key with the “API key” button at the top.';
  if (error.status === 403) return 'The key in use lacks the scope this needs; use a key with more scopes (“API key” button).';
  if (error.status === 404) return 'It may have been deleted, or finished tasks were pruned after their retention period.';
  if (error.status >= 500) return 'The server failed; its log has the details (search for the request id). Try again shortly.';
  return 'Check the input and try again.';
}

function errorBox(error, context) {
  return h('div', { class: 'error', role: 'alert' },
    h('p', {}, h('strong', {}, `${context}: `), error.message || String(error)),
    h('p', {}, advice(error)));
}

/**
 * A table in a scroll box. With `stack`, each row becomes a card at phone width (CSS),
 * every cell labelled with its column's header.
 */
function table(headers, rows, caption, stack = false) {
  if (stack) {
    for (const row of rows) {
      [...row.children].forEach((cell, i) => { if (headers[i]) cell.dataset.label = headers[i]; });
    }
  }
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: stack ? 'stack' : null },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

function confirmAction(title, text, yesLabel) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yesLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}

// ---------------------------------------------------------------------------------------
// The key prompt (shown on a 401, or from the header button).

function askForKey(reason) {
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  document.getElementById('key-reason').textContent = reason;
  document.getElementById('key-forget').hidden = !api.storedKey();
  input.value = '';
  dialog.returnValue = '';
  dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'use' && input.value.trim()) {
        resolve(input.value.trim());
      } else {
        if (dialog.returnValue === 'forget') api.setKey(null);
        resolve(null);
      }
    }, { once: true });
  });
}

api.onKeyNeeded(askForKey);

document.getElementById('key-button').addEventListener('click', async () => {
  const key = await askForKey(api.storedKey()
    ? 'A key is in use for this tab. Enter another one, or forget it.'
    : 'No key in use. The API is open on this server unless a call answers 401; you can enter one anyway.');
  if (key) {
    api.setKey(key);
    flash('Key saved for this tab.');
    route();
  }
});

// ---------------------------------------------------------------------------------------
// Views.

async function overview(view) {
  view.append(h('h1', {}, 'Overview'));
  const counts = h('section', { 'aria-labelledby': 'counts-h' },
    h('h2', { id: 'counts-h' }, 'Tasks by status'));
  const cards = h('ul', { class: 'cards' });
  counts.append(cards);
  const failing = h('section', { 'aria-labelledby': 'failing-h' },
    h('h2', { id: 'failing-h' }, 'Failing callbacks'));
  const rate = h('section', { 'aria-labelledby': 'rate-h' },
    h('h2', { id: 'rate-h' }, 'Deliveries per minute, last hour'));
  view.append(counts, failing, rate);

  // Exact counts from `GET /v1/stats/tasks`; the failed tasks themselves (up to 1,000)
  // for the failing-callbacks table. The chart is asked for now and drawn last, so it
  // never waits for the listings below.
  const deliveries = api.get(`/v1/stats/deliveries?minutes=${CHART_MINUTES}`).catch((error) => ({ error }));
  let stats;
  let failedTasks;
  try {
    [stats, failedTasks] = await Promise.all([api.get('/v1/stats/tasks'), api.allTasks({ status: 'failed' }, 1000)]);
  } catch (error) {
    counts.append(errorBox(error, 'Could not count tasks'));
    rate.append(await deliveryChart(deliveries));
    return;
  }
  for (const status of STATUSES) {
    cards.append(h('li', { class: `card card-${status}` },
      h('a', { href: `#/tasks?status=${status}` },
        h('span', { class: 'card-count', 'data-status': status }, stats[status].toLocaleString()),
        h('span', { class: 'card-label' }, status))));
  }
  if (STATUSES.every((status) => stats[status] === 0)) {
    counts.append(h('p', { class: 'empty' },
      'No tasks yet. Register a callback (PUT /v1/callbacks/{name}) and create tasks (POST /v1/tasks); see ',
      h('a', { href: '/docs' }, 'the API docs'), '.'));
  }

  const failed = failedTasks.tasks;
  const byCallback = new Map();
  for (const t of failed) {
    const entry = byCallback.get(t.callback) || { count: 0, error: null, at: null };
    entry.count += 1;
    const at = t.finished_at || t.updated_at;
    if (!entry.at || at > entry.at) Object.assign(entry, { at, error: t.last_error });
    byCallback.set(t.callback, entry);
  }
  let callbacks = [];
  try {
    callbacks = await api.callbacksWithFlow();
  } catch (error) {
    failing.append(errorBox(error, 'Could not list callbacks'));
  }
  const troubled = callbacks.filter((c) => c.disabled_at || isHeld(c));
  for (const c of troubled) if (!byCallback.has(c.name)) byCallback.set(c.name, { count: 0 });
  if (byCallback.size === 0) {
    failing.append(h('p', { class: 'empty' }, 'No callback has failed tasks. Nothing to do.'));
  } else {
    const rows = [...byCallback.entries()].sort((a, b) => b[1].count - a[1].count).map(([name, e]) => {
      const cb = callbacks.find((c) => c.name === name) || {};
      const state = [cb.disabled_at && 'disabled', isHeld(cb) && 'held'].filter(Boolean).join(', ');
      return h('tr', {},
        h('td', {}, h('a', { href: `#/failed?callback=${encodeURIComponent(name)}` }, name)),
        h('td', { class: 'num' }, e.count.toLocaleString()),
        h('td', {}, e.error || '—'),
        h('td', {}, time(e.at)),
        h('td', {}, state || '—'));
    });
    failing.append(table(['Callback', 'Failed tasks', 'Latest error', 'Latest failure', 'State'], rows,
      'Callbacks with failed tasks'));
  }

  rate.append(await deliveryChart(deliveries));
}

// ---------------------------------------------------------------------------------------
// Deliveries per minute: a stacked bar chart in inline SVG (no library), one bar per
// minute of `GET /v1/stats/deliveries`, with the same figures as text for screen readers
// and for anyone who prefers numbers.

const CHART_MINUTES = 60;
const SVG_NS = 'http://www.w3.org/2000/svg';
// Bottom to top: what went well first, what needs attention on top, where it shows.
const SERIES = [['succeeded', 'succeeded'], ['retrying', 'retrying'], ['failed', 'failed']];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function minuteLabel(minute) {
  return clockFormat.format(new Date(minute.minute));
}

/** A minute as hours and minutes in the browser's zone; UTC on hover, like `time`. */
function clock(minute) {
  const utc = `${minute.minute.replace('T', ' ').replace('Z', '')} UTC`;
  return h('time', { datetime: minute.minute, title: utc }, minuteLabel(minute));
}

function minuteText(m) {
  return `${minuteLabel(m)}: ${m.succeeded} succeeded, ${m.retrying} retrying, ${m.failed} failed`;
}

/** The chart for an answer of `GET /v1/stats/deliveries` (a promise), or why there is none. */
async function deliveryChart(pending) {
  const answer = await pending;
  if (answer.error) return errorBox(answer.error, 'Could not count deliveries');
  const minutes = answer.minutes || [];
  if (minutes.length === 0) return h('p', { class: 'empty' }, 'No delivery figures.');
  const total = (m) => m.succeeded + m.retrying + m.failed;
  const sums = { succeeded: 0, retrying: 0, failed: 0 };
  for (const m of minutes) for (const [key] of SERIES) sums[key] += m[key];
  const busiest = minutes.reduce((a, b) => (total(b) > total(a) ? b : a));
  const peak = total(busiest);

  const summary = peak === 0
    ? `No delivery attempts in the last ${plural(minutes.length, 'minute')}. They show here as tasks fall due.`
    : `Last ${plural(minutes.length, 'minute')}: ${sums.succeeded.toLocaleString()} succeeded, `
      + `${sums.retrying.toLocaleString()} retrying, ${sums.failed.toLocaleString()} failed. `
      + `Busiest minute ${minuteLabel(busiest)} with ${plural(peak, 'attempt')}.`;

  // One unit of width per minute; the height is scaled to the busiest minute. The SVG is
  // stretched to the box (preserveAspectRatio none), so its labels live in HTML around it
  // and stay readable at any width.
  const height = 100;
  const scale = peak === 0 ? 0 : height / peak;
  const chart = svg('svg', {
    class: 'chart', viewBox: `0 0 ${minutes.length} ${height}`, preserveAspectRatio: 'none',
    role: 'img', 'aria-labelledby': 'rate-h', 'aria-describedby': 'rate-summary',
  });
  minutes.forEach((m, i) => {
    const bar = svg('g', { 'data-minute': m.minute }, svg('title', {}, minuteText(m)));
    // A full-height transparent hit area, so every minute has a tooltip, empty or not.
    bar.append(svg('rect', { class: 'bar-hit', x: i, y: 0, width: 1, height }));
    let y = height;
    for (const [key] of SERIES) {
      if (!m[key]) continue;
      const size = m[key] * scale;
      y -= size;
      bar.append(svg('rect', { class: `bar bar-${key}`, x: i + 0.1, y, width: 0.8, height: size }));
    }
    chart.append(bar);
  });

  const first = minutes[0];
  const last = minutes[minutes.length - 1];
  return h('figure', { class: 'rate' },
    h('div', { class: 'chart-frame' },
      h('span', { class: 'chart-peak muted' }, peak ? `${peak.toLocaleString()} / min` : '0 / min'),
      chart),
    h('div', { class: 'chart-axis muted' },
      h('span', {}, clock(first)), h('span', {}, 'now (', clock(last), ')')),
    h('figcaption', {},
      h('ul', { class: 'legend' },
        SERIES.map(([key, label]) => h('li', {}, h('span', { class: `swatch bar-${key}`, 'aria-hidden': 'true' }), label))),
      h('p', { id: 'rate-summary', 'data-summary': 'deliveries' }, summary)));
}


function filterForm(params, callbacks) {
  const statusSelect = h('select', { id: 'f-status', name: 'status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s }, s)));
  const callbackSelect = h('select', { id: 'f-callback', name: 'callback' },
    h('option', { value: '' }, 'any'),
    callbacks.map((c) => h('option', { value: c.name, selected: params.get('callback') === c.name }, c.name)));
  const group = h('input', { id: 'f-group', name: 'group_id', value: params.get('group_id') || '', spellcheck: 'false' });
  const paused = h('select', { id: 'f-paused', name: 'paused' },
    h('option', { value: '' }, 'either'),
    h('option', { value: 'true', selected: params.get('paused') === 'true' }, 'paused'),
    h('option', { value: 'false', selected: params.get('paused') === 'false' }, 'not paused'));
  return h('form', {
    class: 'filters', role: 'search', 'aria-label': 'Filter tasks',
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = `#/tasks${api.query({
        status: statusSelect.value, callback: callbackSelect.value,
        group_id: group.value.trim(), paused: paused.value, limit: params.get('limit'),
      })}`;
    },
  },
  h('label', {}, 'Status', statusSelect),
  h('label', {}, 'Callback', callbackSelect),
  h('label', {}, 'Group', group),
  h('label', {}, 'Paused', paused),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
    h('a', { href: '#/tasks', class: 'button' }, 'Clear')));
}

function searchForm() {
  const input = h('input', { id: 'search-id', name: 'task_id', spellcheck: 'false', required: true, placeholder: 'exact task id' });
  const out = h('div', { 'aria-live': 'polite' });
  return h('form', {
    class: 'search', role: 'search', 'aria-label': 'Find a task by id',
    onsubmit: async (e) => {
      e.preventDefault();
      const id = input.value.trim();
      try {
        await api.get(`/v1/tasks/${encodeURIComponent(id)}`);
        location.hash = `#/task/${encodeURIComponent(id)}`;
      } catch (error) {
        out.replaceChildren(error.status === 404
          ? h('p', { class: 'error' }, `No task has the id “${id}”. Ids are exact and case-sensitive; finished tasks are pruned after their retention period.`)
          : errorBox(error, 'Search failed'));
      }
    },
  },
  h('label', { for: 'search-id' }, 'Find task by id'), input,
  h('button', { type: 'submit' }, 'Open'), out);
}

function tasksTable(tasks, caption) {
  return table(['Task', 'Status', 'Callback', 'Group', 'Run at', 'Type', 'Attempts', 'Last error'],
    tasks.map((t) => h('tr', {},
      h('td', {}, taskLink(t.task_id)),
      h('td', {}, badge(t.status), t.paused ? h('span', { class: 'badge badge-paused' }, 'paused') : null),
      h('td', {}, t.callback),
      h('td', {}, t.group_id || '—'),
      h('td', {}, time(t.run_at)),
      h('td', {}, t.run_type === 'recurring' ? `every ${t.interval}` : t.run_type),
      h('td', { class: 'num' }, t.attempts),
      h('td', { class: 'clip' }, t.last_error || '—'))), caption);
}

async function tasksView(view, params) {
  view.append(h('h1', {}, 'Tasks'));
  let callbacks = [];
  try {
    callbacks = (await api.get('/v1/callbacks?limit=1000')).callbacks;
  } catch (error) {
    view.append(errorBox(error, 'Could not list callbacks for the filter'));
  }
  view.append(searchForm(), filterForm(params, callbacks));
  const filter = {};
  for (const k of ['status', 'callback', 'group_id', 'paused', 'cursor']) {
    if (params.get(k)) filter[k] = params.get(k);
  }
  // `limit` in the address picks the page size (a link can ask for a short page).
  const limit = Math.min(1000, Math.max(1, Number(params.get('limit')) || 50));
  const page = await api.get(`/v1/tasks${api.query({ ...filter, limit })}`);
  if (page.tasks.length === 0) {
    view.append(h('p', { class: 'empty' }, Object.keys(filter).length
      ? 'No tasks match these filters. Change or clear them.'
      : 'No tasks yet. Create one with POST /v1/tasks (see /docs).'));
  } else {
    view.append(tasksTable(page.tasks, 'Tasks'));
  }
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (filter.cursor) {
    const first = new URLSearchParams(params);
    first.delete('cursor');
    nav.append(h('a', { href: `#/tasks?${first}`, class: 'button' }, 'First page'));
  }
  if (page.next_cursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', page.next_cursor);
    nav.append(h('a', { href: `#/tasks?${next}`, class: 'button', rel: 'next' }, 'Next page'));
  }
  view.append(nav);
}

const TIME_FIELDS = new Set(['run_at', 'paused_at', 'next_attempt_at', 'created_at', 'updated_at', 'finished_at', 'start_at', 'end_at']);
const FIELD_ORDER = ['task_id', 'status', 'callback', 'group_id', 'run_type', 'interval', 'run_at', 'timezone',
  'next_attempt_at', 'paused', 'paused_at', 'coalesce', 'attempts', 'last_error', 'runs', 'created_at',
  'updated_at', 'finished_at', 'kwargs'];

function fieldValue(key, value) {
  if (TIME_FIELDS.has(key)) return time(value);
  if (key === 'status') return badge(value);
  if (key === 'callback') return h('a', { href: `#/callbacks?name=${encodeURIComponent(value)}` }, value);
  if (key === 'group_id' && value) return h('a', { href: `#/tasks?group_id=${encodeURIComponent(value)}` }, value);
  if (value === null || value === undefined) return h('span', { class: 'muted' }, '—');
  if (typeof value === 'object') return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
  return String(value);
}

async function taskView(view, id) {
  const path = `/v1/tasks/${encodeURIComponent(id)}`;
  const task = await api.get(path);
  const finished = task.status === 'succeeded' || task.status === 'failed';
  const act = (id, label, handler, cls) => h('button', { type: 'button', id, class: cls, onclick: async (e) => {
    e.currentTarget.disabled = true;
    try {
      await handler();
    } catch (error) {
      flash(`${label} failed: ${error.message} ${advice(error)}`, 'error');
      route();
    }
  } }, label);
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Task actions' },
    task.status === 'failed' && act('task-retry', 'Retry now', async () => {
      await api.post(`${path}/retry`);
      flash(`Task ${id} re-armed: it is due now.`);
      route();
    }, 'primary'),
    !finished && !task.paused && act('task-pause', 'Pause', async () => {
      await api.post('/v1/tasks/pause', { task_ids: [id] });
      flash(`Task ${id} paused.`);
      route();
    }),
    task.paused && act('task-resume', 'Resume', async () => {
      await api.post('/v1/tasks/resume', { task_ids: [id] });
      flash(`Task ${id} resumed.`);
      route();
    }),
    act('task-delete', 'Delete…', async () => {
      if (!await confirmAction('Delete this task?',
        `Task ${id} and its delivery history will be deleted. This cannot be undone.`, 'Delete task')) {
        route();
        return;
      }
      await api.del(path);
      flash(`Task ${id} deleted.`);
      navigateAfterAction('#/tasks');
    }, 'danger'),
    h('button', { type: 'button', id: 'task-refresh', onclick: () => route() }, 'Refresh'));
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, 'Tasks'), ' / '),
    h('h1', {}, 'Task ', h('span', { class: 'mono' }, id), ' ', badge(task.status)),
    actions);

  const keys = [...FIELD_ORDER.filter((k) => k in task), ...Object.keys(task).filter((k) => !FIELD_ORDER.includes(k))];
  view.append(h('section', { 'aria-labelledby': 'fields-h' },
    h('h2', { id: 'fields-h' }, 'Fields'),
    h('dl', { class: 'fields', id: 'task-fields' },
      keys.map((k) => [h('dt', {}, k), h('dd', { 'data-field': k }, fieldValue(k, task[k]))]))));

  const attemptsSection = h('section', { 'aria-labelledby': 'attempts-h' }, h('h2', { id: 'attempts-h' }, 'Attempts'));
  view.append(attemptsSection);
  try {
    const { attempts } = await api.get(`${path}/attempts?limit=100`);
    if (attempts.length === 0) {
      attemptsSection.append(h('p', { class: 'empty' }, task.paused
        ? 'No attempts yet: the task is paused. Resume it to let it run.'
        : 'No attempts yet: the task has not been due. It runs at its run_at time.'));
    } else {
      attemptsSection.append(table(['Started', '#', 'Outcome', 'Status code', 'Error', 'Duration', 'Response (first bytes)', 'Instance'],
        attempts.map((a) => h('tr', {},
          h('td', {}, time(a.started_at)),
          h('td', { class: 'num' }, a.attempt),
          h('td', {}, badge(a.outcome)),
          h('td', { class: 'num' }, a.status_code ?? '—'),
          h('td', {}, a.error || '—'),
          h('td', { class: 'num' }, `${Math.round(a.duration_ms)} ms`),
          h('td', {}, a.response ? h('code', { class: 'clip' }, a.response) : '—'),
          h('td', {}, a.instance))), 'Delivery attempts, newest first'));
    }
  } catch (error) {
    attemptsSection.append(errorBox(error, 'Could not load attempts'));
  }

  const next = h('section', { 'aria-labelledby': 'next-h' }, h('h2', { id: 'next-h' }, 'Next occurrences'));
  view.append(next);
  if (finished) {
    next.append(h('p', { class: 'muted' }, 'None: the task has finished.'));
  } else {
    try {
      next.append(...scheduleTable(await api.get(`${path}/schedule?count=${NEXT_COUNT}`), task));
    } catch (error) {
      next.append(errorBox(error, 'Could not load the schedule'));
    }
  }

  const mis = h('section', { 'aria-labelledby': 'mis-h' }, h('h2', { id: 'mis-h' }, 'Misfires'));
  view.append(mis);
  if (task.run_type === 'once') {
    mis.append(h('p', { class: 'muted' }, 'None: a one-off task has no occurrences to miss.'));
    return;
  }
  try {
    const { misfires, next_cursor: more } = await api.get(`${path}/misfires?limit=${MISFIRE_COUNT}`);
    if (misfires.length === 0) {
      mis.append(h('p', { class: 'empty' },
        'No missed occurrences. Occurrences skipped while the task was paused or behind, or by a DST gap, are listed here.'));
    } else {
      // The local time is only set for DST-gap misfires (a time that did not exist).
      const local = misfires.some((m) => m.local);
      mis.append(table(['Occurrence', 'Reason', local && 'Local time that did not exist', 'Recorded'].filter(Boolean),
        misfires.map((m) => h('tr', {},
          h('td', {}, time(m.scheduled_at)),
          h('td', {}, h('span', { class: 'badge badge-retrying', title: MISFIRE_REASONS[m.reason] || '' }, m.reason)),
          local && h('td', {}, m.local || '—'),
          h('td', {}, time(m.recorded_at)))), 'Misfires, newest first'));
      if (more) mis.append(h('p', { class: 'muted' }, `Showing the latest ${MISFIRE_COUNT}.`));
    }
  } catch (error) {
    mis.append(errorBox(error, 'Could not load misfires'));
  }
}

const NEXT_COUNT = 5;
const MISFIRE_COUNT = 50;
const DST_FLAGS = {
  gap_shifted: 'its local time fell in a spring-forward gap; it runs at the first instant after it',
  overlap_first: 'its local time occurs twice (fall-back); this is the first',
  overlap_second: 'its local time occurs twice (fall-back); this is the second',
};
const MISFIRE_REASONS = {
  coalesced: 'missed while paused or behind; one late run stood for it',
  catchup_limit: 'older than the catch-up limit, so not run',
  dst_gap: 'its local time did not exist (spring-forward) and the gap policy is skip',
};

/** `GET /v1/tasks/{id}/schedule`: when, on the schedule zone's clock, and DST flags. */
function scheduleTable(schedule, task) {
  const { occurrences, skipped } = schedule;
  const parts = [];
  if (occurrences.length === 0) {
    parts.push(h('p', { class: 'empty' }, 'No further occurrences: the schedule has ended (end_at or max_runs).'));
  } else {
    parts.push(table(['When', `Schedule-zone time (${task.timezone || 'UTC'})`, 'DST'], occurrences.map((o) => h('tr', {},
      h('td', {}, time(o.at)),
      h('td', { class: 'mono' }, o.local),
      h('td', { 'data-dst': o.dst || '' }, o.dst ? h('span', { class: 'badge badge-dst', title: DST_FLAGS[o.dst] }, o.dst) : '—'))),
    'Next occurrences'));
  }
  if (skipped.length) {
    parts.push(h('p', { class: 'muted', id: 'skipped' }, 'Skipped (spring-forward gap, dst_policy gap = skip): ',
      skipped.map((s) => s.local).join(', '), '.'));
  }
  return parts;
}

function duration(d) {
  return d || '—';
}

/** A success rate over the window, with its attempts on hover; "—" without attempts. */
function successRate(o) {
  if (!o || o.success_rate === null) return h('span', { class: 'muted', title: 'No attempts in the last hour' }, 'no attempts');
  const pct = Math.round(o.success_rate * 1000) / 10;
  const cls = pct >= 99 ? 'rate-good' : pct >= 90 ? 'rate-fair' : 'rate-bad';
  return h('span', { class: cls, 'data-rate': String(o.success_rate),
    title: `${o.succeeded} succeeded, ${o.retrying} retrying, ${o.failed} failed` },
  `${pct} %`, h('span', { class: 'muted' }, ` of ${plural(o.succeeded + o.retrying + o.failed, 'attempt')}`));
}

/** Held: a 429 or 503 with `Retry-After` stopped new attempts until `held_until`. */
function isHeld(c) {
  return Boolean(c.flow && c.flow.held_until && new Date(c.flow.held_until) > new Date());
}

function callbackState(c) {
  if (c.loadError) return h('span', { class: 'muted' }, `flow state not loaded: ${c.loadError.message}`);
  const state = [];
  if (c.disabled_at) {
    state.push(h('span', { class: 'badge badge-failed' }, 'disabled'), ' since ', time(c.disabled_at),
      c.disabled_reason ? h('div', { class: 'muted' }, c.disabled_reason) : null);
  } else if (isHeld(c)) {
    state.push(h('span', { class: 'badge badge-retrying' }, 'held'), ' until ', time(c.flow.held_until));
  } else {
    state.push(h('span', { class: 'badge badge-succeeded' }, 'delivering'));
  }
  if (!c.disabled_at && c.failing_since) {
    state.push(h('div', { class: 'muted' }, 'every attempt failing since ', time(c.failing_since)));
  }
  if (c.flow) {
    state.push(h('div', { class: 'muted', 'data-flow': '' },
      `${c.flow.in_flight} in flight, concurrency ${c.flow.effective_concurrency} of ${c.max_concurrency}`));
  }
  return state;
}

async function callbacksView(view) {
  view.append(h('h1', {}, 'Callbacks'));
  const [callbacks, stats] = await Promise.all([api.callbacksWithFlow(),
    api.get(`/v1/stats/callbacks?minutes=${RATE_MINUTES}`).catch((error) => ({ error }))]);
  if (callbacks.length === 0) {
    view.append(h('p', { class: 'empty' },
      'No callbacks registered. Register one with PUT /v1/callbacks/{name} and a JSON body {"url": …}; see ',
      h('a', { href: '/docs' }, '/docs'), '.'));
    return;
  }
  if (stats.error) view.append(errorBox(stats.error, 'Could not load success rates'));
  const rates = new Map((stats.callbacks || []).map((o) => [o.callback, o]));
  const rows = callbacks.map((c) => {
    const limits = [];
    if (c.max_concurrency) limits.push(`${c.max_concurrency} concurrent`);
    if (c.rate_limit) limits.push(`${c.rate_limit.requests} per ${c.rate_limit.per}`);
    if (c.disable_after) limits.push(`disable after failing ${c.disable_after}`);
    const headers = Object.keys(c.headers || {});
    return h('tr', { id: `cb-${c.name}` },
      h('th', { scope: 'row' }, c.name),
      h('td', { class: 'url' }, c.url),
      h('td', {}, `timeout ${duration(c.timeout)}`,
        c.retry ? h('div', {}, `${c.retry.max_attempts} attempts, backoff ${c.retry.initial_backoff} → ${c.retry.max_backoff}`) : null,
        headers.length ? h('div', { class: 'muted' }, `headers: ${headers.join(', ')}`) : null,
        c.on_failure ? h('div', { class: 'muted' }, `on failure: ${c.on_failure}`) : null),
      h('td', {}, limits.length ? limits.map((l) => h('div', {}, l)) : '—'),
      h('td', { 'data-col': 'rate' }, stats.error ? '?' : successRate(rates.get(c.name))),
      h('td', { 'data-col': 'state' }, callbackState(c)),
      h('td', { class: 'row-actions' },
        h('a', { href: `#/tasks?callback=${encodeURIComponent(c.name)}` }, 'Tasks'), ' ',
        h('a', { href: `#/failed?callback=${encodeURIComponent(c.name)}` }, 'Failed'),
        c.disabled_at ? h('button', { type: 'button', class: 'primary', 'data-enable': c.name, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api.post(`/v1/callbacks/${encodeURIComponent(c.name)}/enable`);
            flash(`Callback ${c.name} enabled: its waiting tasks are delivered again.`);
          } catch (error) {
            flash(`Enable failed: ${error.message} ${advice(error)}`, 'error');
          }
          route();
        } }, 'Enable') : null));
  });
  view.append(table(['Name', 'URL', 'Delivery', 'Limits', 'Success (1 h)', 'State', ''],
    rows, 'Registered callbacks', true));
  view.append(h('p', { class: 'muted' },
    'Success: the share of delivery attempts of the last hour that got a 2xx (a delivery that needed two tries counts one success, one retry). ',
    'Concurrency: what claims use now, lowered after timeouts, refusals, 429 or 503 and recovering step by step. ',
    'A disabled callback’s tasks wait, nothing is lost; Enable delivers them again.'));
}

const RATE_MINUTES = 60;

async function failedView(view, params) {
  view.append(h('h1', {}, 'Failed tasks'));
  const callback = params.get('callback') || '';
  const callbacks = (await api.get('/v1/callbacks?limit=1000')).callbacks;
  const select = h('select', { id: 'failed-callback' }, h('option', { value: '' }, 'all callbacks'),
    callbacks.map((c) => h('option', { value: c.name, selected: c.name === callback }, c.name)));
  view.append(h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    location.hash = `#/failed${api.query({ callback: select.value })}`;
  } }, h('label', {}, 'Callback', select), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show'))));

  const filter = { status: 'failed', callback };
  const page = await api.get(`/v1/tasks${api.query({ ...filter, limit: 100 })}`);
  const bulk = h('section', { class: 'bulk', 'aria-labelledby': 'bulk-h', id: 'bulk' },
    h('h2', { id: 'bulk-h' }, 'Retry in bulk'));
  if (page.tasks.length === 0) {
    view.append(h('p', { class: 'empty' }, callback
      ? `No failed tasks for callback ${callback}. Nothing to retry.`
      : 'No failed tasks. Nothing to retry.'));
    return;
  }
  const previewButton = h('button', { type: 'button', class: 'primary', id: 'bulk-preview' }, 'Count tasks to retry…');
  const out = h('div', { 'aria-live': 'polite', id: 'bulk-out' });
  previewButton.addEventListener('click', async () => {
    previewButton.disabled = true;
    out.replaceChildren(h('p', { class: 'muted' }, 'Counting…'));
    try {
      // One callback: the server selects. All: the failed tasks' ids, listed first.
      const selector = callback ? { callback }
        : { task_ids: (await api.allTasks({ status: 'failed' })).tasks.map((t) => t.task_id) };
      const preview = await api.previewRetry(selector);
      const scope = callback ? ` of callback ${callback}` : '';
      if (preview.count === 0) {
        out.replaceChildren(h('p', { id: 'bulk-count' }, `No failed tasks${scope} any more. Nothing to retry.`));
        previewButton.disabled = false;
        return;
      }
      const go = h('button', { type: 'button', class: 'primary', id: 'bulk-confirm' }, `Retry ${plural(preview.count, 'task')}`);
      const cancel = h('button', { type: 'button', onclick: () => { out.replaceChildren(); previewButton.disabled = false; previewButton.focus(); } }, 'Cancel');
      const sample = preview.taskIds.slice(0, 5);
      out.replaceChildren(h('p', { id: 'bulk-count', 'data-affected': String(preview.count) },
        `${plural(preview.count, 'failed task')}${scope} will be re-armed and delivered again now`,
        sample.length ? [': ', sample.map((id, i) => [i ? ', ' : '', taskLink(id)]),
          preview.count > sample.length ? ` and ${(preview.count - sample.length).toLocaleString()} more` : ''] : '', '.'),
      h('div', { class: 'actions' }, go, cancel));
      go.focus();
      go.addEventListener('click', async () => {
        go.disabled = true;
        cancel.disabled = true;
        try {
          const result = await api.applyRetry(preview);
          const changed = result.affected === preview.count ? ''
            : ` (${preview.count} were counted: the others stopped being failed meanwhile)`;
          flash(`Re-armed ${plural(result.affected, 'task')}${changed}.`);
        } catch (error) {
          flash(`Retry failed: ${error.message} ${advice(error)}`, 'error');
        }
        route();
      });
    } catch (error) {
      out.replaceChildren(errorBox(error, 'Could not count failed tasks'));
      previewButton.disabled = false;
    }
  });
  bulk.append(h('p', {}, 'First counts what would be retried; nothing changes until you confirm.'), previewButton, out);
  view.append(bulk, tasksTable(page.tasks, 'Failed tasks'));
  if (page.next_cursor) {
    view.append(h('p', { class: 'muted' }, 'Showing the first 100. ',
      h('a', { href: `#/tasks${api.query({ status: 'failed', callback })}` }, 'See all in the task list'), '.'));
  }
}

// ---------------------------------------------------------------------------------------
// Routing.

let renderSeq = 0;

async function route(moveFocus = false) {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?');
  const params = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean);
  const name = parts[0] || 'overview';
  for (const link of document.querySelectorAll('nav a[data-view]')) {
    const current = link.dataset.view === name || (name === 'task' && link.dataset.view === 'tasks');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const seq = ++renderSeq;
  // `data-hash` says which navigation this view answers, so a reader (or a test) can
  // tell the new view from the one it replaces.
  const view = h('div', { class: 'view', 'data-view': name, 'data-hash': location.hash || '#/' });
  const titles = { overview: 'Overview', tasks: 'Tasks', task: 'Task', failed: 'Failed tasks', callbacks: 'Callbacks' };
  document.title = `${titles[name] || 'Not found'} · TaskShed console`;
  try {
    if (name === 'overview') await overview(view);
    else if (name === 'tasks') await tasksView(view, params);
    else if (name === 'task' && parts[1]) await taskView(view, decodeURIComponent(parts.slice(1).join('/')));
    else if (name === 'failed') await failedView(view, params);
    else if (name === 'callbacks') await callbacksView(view);
    else view.append(h('h1', {}, 'Not found'), h('p', {}, 'No such view. ', h('a', { href: '#/' }, 'Go to the overview'), '.'));
  } catch (error) {
    view.append(errorBox(error, 'Could not load this view'));
  }
  if (seq !== renderSeq) return; // a later navigation won
  main.replaceChildren(view);
  main.setAttribute('aria-busy', 'false');
  main.dataset.ready = String(seq);
  if (moveFocus) {
    // A new view starts at its top, and keyboard users continue from its content rather
    // than from the link they used.
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
  const row = name === 'callbacks' && params.get('name') && document.getElementById(`cb-${params.get('name')}`);
  if (row) {
    row.classList.add('highlight');
    row.scrollIntoView({ block: 'center' });
  }
}

document.getElementById('tz').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
window.addEventListener('hashchange', () => {
  if (!keepFlashOnNavigation) flashBox.replaceChildren();
  keepFlashOnNavigation = false;
  main.setAttribute('aria-busy', 'true');
  route(true);
});
route();
