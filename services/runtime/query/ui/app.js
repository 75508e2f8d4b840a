// The contract console: a read-only page over pactum's /v1 API, served by
// pactumd under /ui/. No library, no build step: the DOM is built with
// textContent only (nothing the API returns is parsed as HTML), and the page's
// Content-Security-Policy allows no inline script or style.
//
// Routes (the part of the URL after #):
//   #/contracts?state=&party=&cursor=      the list
//   #/contract/<id>?as_of=<RFC 3339>       one contract, optionally as of an instant
//   #/contract/<id>/timeline?record=<id>   its records with their outcomes
// The bearer token is typed once and kept in sessionStorage (this tab only),
// never in a URL.
'use strict';

const TOKEN_KEY = 'pactum.token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const DAY_MS = 86400000;
const STATES = ['draft', 'signed', 'in_breach', 'terminated'];

// --- DOM ------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const main = () => document.getElementById('main');

function announce(text) {
  document.getElementById('status').textContent = text;
}

function show(...nodes) {
  main().replaceChildren(...nodes.flat());
  const heading = main().querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
    document.title = heading.textContent + ' · pactum console';
  }
}

// A wide table stays readable on a phone: it scrolls inside its own box,
// which the keyboard can reach.
function scrollBox(label, child) {
  return h('div', {class: 'scroll', tabindex: 0, role: 'region', 'aria-label': label}, child);
}

function table(caption, headings, rows, attrs) {
  return scrollBox(caption, h('table', attrs || {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', {scope: 'col', class: /^(Amount|Paid|Charge|Credit|Bonus|Damages|Version|Notice)/.test(t) ? 'num' : null}, t)))),
    h('tbody', {}, rows)));
}

// --- formatting -------------------------------------------------------------

function when(text) {
  if (!text) return '—';
  return text.replace('T', ' ').replace(/(\.000)?Z$/, ' UTC');
}

// A decimal string with its thousands grouped ("59600.00" -> "59,600.00"):
// amounts stay strings, as the API writes them, never floats.
function money(amount) {
  const negative = amount.startsWith('-');
  const [whole, fraction] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (fraction !== undefined ? '.' + fraction : '');
}

function stateBadge(state) {
  return h('span', {class: 'badge state-' + state}, state.replace('_', ' '));
}

function party(p) {
  return p.name ? `${p.name} (${p.id})` : p.id;
}

const ms = (text) => Date.parse(text);

function iso(millis) {
  return new Date(millis).toISOString().replace('.000Z', 'Z');
}

// --- the API ----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(path) {
  const response = await fetch(path, {
    headers: {Authorization: 'Bearer ' + token(), Accept: 'application/json'},
    cache: 'no-store',
    credentials: 'omit',
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    signOut('The API refused this token; enter it again.');
    throw new ApiError(401, body);
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const contractPath = (id) => '/v1/contracts/' + encodeURIComponent(id);
const contractHash = (id, query) => '#/contract/' + encodeURIComponent(id) + (query ? '?' + query : '');
const timelineHash = (id, query) => '#/contract/' + encodeURIComponent(id) + '/timeline' + (query ? '?' + query : '');

// --- sign in ----------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  explanations.clear();
  document.getElementById('sign-out').hidden = true;
  renderLogin(message);
}

function renderLogin(message) {
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'token-help'});
  const form = h('form', {class: 'login', onsubmit: async (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api('/v1/contracts?limit=1');
    } catch (err) {
      if (err.status !== 401) show(h('h1', {}, 'Sign in'), h('p', {class: 'error', role: 'alert'}, err.message));
      return;
    }
    document.getElementById('sign-out').hidden = false;
    route();
  }},
  h('label', {for: 'token'}, 'API token', input),
  h('p', {id: 'token-help', class: 'note'},
    'The bearer token your pactum operator gave you. It is kept in this browser tab only and sent to this server only; ' +
    'a party\'s token shows that party\'s contracts.'),
  h('div', {}, h('button', {type: 'submit', class: 'primary', id: 'sign-in'}, 'Sign in')));
  show(h('h1', {}, 'Sign in'), message ? h('p', {class: 'error', role: 'alert'}, message) : null, form);
  input.focus();
}

// --- the list ---------------------------------------------------------------

async function renderList(params) {
  const query = new URLSearchParams();
  for (const key of ['state', 'party', 'cursor']) if (params.get(key)) query.set(key, params.get(key));
  query.set('limit', '25');
  let page;
  try {
    page = await api('/v1/contracts?' + query);
  } catch (err) {
    return showError('Contracts', err);
  }
  const stateSelect = h('select', {id: 'filter-state', name: 'state'},
    h('option', {value: ''}, 'any state'),
    STATES.map((s) => h('option', {value: s, selected: params.get('state') === s}, s.replace('_', ' '))));
  const partyInput = h('input', {id: 'filter-party', name: 'party', type: 'search', value: params.get('party') || '',
    placeholder: 'client or vendor id'});
  const filters = h('form', {class: 'bar', role: 'search', 'aria-label': 'Filter contracts', onsubmit: (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (stateSelect.value) next.set('state', stateSelect.value);
    if (partyInput.value.trim()) next.set('party', partyInput.value.trim());
    location.hash = '#/contracts' + (next.toString() ? '?' + next : '');
  }},
  h('label', {for: 'filter-state'}, 'State', stateSelect),
  h('label', {for: 'filter-party'}, 'Party', partyInput),
  h('button', {type: 'submit', class: 'primary', id: 'apply-filters'}, 'Apply'));

  const rows = page.contracts.map((c) => h('tr', {'data-contract': c.contract_id},
    h('td', {}, h('a', {href: contractHash(c.contract_id)}, c.contract_id)),
    h('td', {}, party(c.client)),
    h('td', {}, party(c.vendor)),
    h('td', {}, stateBadge(c.state)),
    h('td', {}, c.start_date || '—', ' – ', c.end_date || '—'),
    h('td', {class: 'num'}, c.version)));
  const filtered = params.get('state') || params.get('party');
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages'},
    params.get('cursor') ? h('a', {href: '#/contracts?' + withoutCursor(params)}, 'First page') : null,
    page.next_cursor ? h('a', {id: 'next-page', href: '#/contracts?' + withCursor(params, page.next_cursor)}, 'Next page') : null);
  show(h('h1', {}, 'Contracts'),
    h('p', {class: 'lead'}, 'Every contract this token may see, by id. Open one for its state, who may terminate it, and who owes whom.'),
    filters,
    rows.length
      ? table(filtered ? 'Contracts matching the filters' : 'Contracts', ['Contract', 'Client', 'Vendor', 'State', 'Term', 'Version'], rows,
        {id: 'contracts'})
      : h('p', {id: 'contracts-empty'}, 'No contract matches.'),
    pager);
  announce(`${rows.length} contracts shown`);
}

function withoutCursor(params) {
  const q = new URLSearchParams(params);
  q.delete('cursor');
  return q.toString();
}

function withCursor(params, cursor) {
  const q = new URLSearchParams(params);
  q.set('cursor', cursor);
  return q.toString();
}

// --- explanations -----------------------------------------------------------

// The explanation of a contract (as of an instant), fetched on the first
// figure opened and kept per contract and instant.
const explanations = new Map();

function explanationOf(id, asOf) {
  const key = id + '\n' + (asOf || '');
  if (!explanations.has(key)) {
    const query = asOf ? '?as_of=' + encodeURIComponent(asOf) : '';
    const pending = api(contractPath(id) + '/explain' + query).then((doc) => {
      const byPath = new Map();
      for (const f of doc.figures) byPath.set(f.path, f);
      return byPath;
    });
    pending.catch(() => explanations.delete(key));
    explanations.set(key, pending);
  }
  return explanations.get(key);
}

// A figure of the view: a button that opens the records and terms behind it.
function figure(context, path, label, text) {
  return h('button', {type: 'button', class: 'fig', 'data-path': path, 'aria-haspopup': 'dialog',
    'aria-label': `${label}: ${text}. Explain`, onclick: () => openExplanation(context, path, label)}, text);
}

async function openExplanation(context, path, label) {
  const dialog = document.getElementById('explanation');
  const body = document.getElementById('explanation-body');
  document.getElementById('explanation-title').textContent = label;
  body.replaceChildren(h('p', {}, 'Loading the explanation…'));
  if (!dialog.open) dialog.showModal();
  let found;
  try {
    found = (await explanationOf(context.id, context.asOf)).get(path);
  } catch (err) {
    body.replaceChildren(h('p', {class: 'error'}, err.status === 501
      ? 'This pactum instance keeps no records (pactumd --no-evidence), so it cannot explain its figures.'
      : err.message));
    return;
  }
  if (!found) {
    body.replaceChildren(h('p', {}, 'No explanation is recorded for this figure.'));
    return;
  }
  const records = found.basis.map((r) => h('li', {},
    h('a', {href: timelineHash(context.id, 'record=' + encodeURIComponent(r.id)), class: 'record-link'}, r.type),
    ` — event `, h('code', {}, r.id), ` from `, h('code', {}, r.source), ` at ${when(r.time)}`));
  body.replaceChildren(
    h('p', {class: 'because', id: 'explanation-because'}, capitalised(found.because) + '.'),
    h('p', {class: 'note'}, 'Figure ', h('code', {}, path), context.asOf ? ` as of ${when(context.asOf)}` : ' (latest)'),
    h('h3', {}, 'The events behind it'),
    records.length
      ? h('ul', {id: 'explanation-records'}, records)
      : h('p', {id: 'explanation-records'}, 'No event set this figure: it follows from the passage of time (a deadline that fell due, or the contract\'s dates).'),
    h('h3', {}, 'The contract terms it reads'),
    found.terms.length
      ? h('ul', {}, found.terms.map((t) => h('li', {}, h('code', {}, t))))
      : h('p', {}, 'No contract term.'));
  announce('Explanation of ' + label + ' opened');
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// --- the lifecycle diagram ----------------------------------------------------

let diagramSource = null;

async function diagram(state) {
  if (diagramSource === null) {
    const response = await fetch('lifecycle.svg', {credentials: 'omit'});
    diagramSource = response.ok ? await response.text() : '';
  }
  const doc = new DOMParser().parseFromString(diagramSource, 'image/svg+xml');
  const svg = doc.documentElement;
  if (!diagramSource || svg.nodeName !== 'svg') return h('p', {}, 'Current state: ', stateBadge(state));
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `The contract lifecycle; the current state, ${state}, is highlighted`);
  for (const node of svg.querySelectorAll('g.node')) {
    const title = node.querySelector('title');
    if (title && title.textContent === state) node.classList.add('current');
  }
  return h('figure', {class: 'diagram', id: 'diagram'},
    scrollBox('Lifecycle diagram', document.importNode(svg, true)),
    h('figcaption', {}, 'The lifecycle, drawn from pactum\'s Boost.MSM transition tables. Current state: ',
      stateBadge(state), '.'));
}

// --- a contract -------------------------------------------------------------

function asOfForm(id, asOf, view) {
  const [date, time] = asOf ? asOf.replace('Z', '').split('T') : ['', ''];
  const dateInput = h('input', {id: 'asof-date', type: 'date', value: date || ''});
  const timeInput = h('input', {id: 'asof-time', type: 'time', step: 1, value: (time || '').slice(0, 8)});
  return h('form', {class: 'bar', id: 'asof-form', 'aria-label': 'View as of an instant', onsubmit: (e) => {
    e.preventDefault();
    if (!dateInput.value) {
      location.hash = contractHash(id);
      return;
    }
    let t = timeInput.value || '23:59:59.999';
    if (t.length === 5) t += ':00';
    location.hash = contractHash(id, 'as_of=' + encodeURIComponent(`${dateInput.value}T${t}Z`));
  }},
  h('label', {for: 'asof-date'}, 'As of date (UTC)', dateInput),
  h('label', {for: 'asof-time'}, 'Time (UTC; end of day if empty)', timeInput),
  h('button', {type: 'submit', class: 'primary', id: 'asof-apply'}, 'Show as of'),
  h('button', {type: 'button', id: 'asof-latest', onclick: () => { location.hash = contractHash(id); }}, 'Latest'),
  h('p', {class: 'asof note', id: 'asof-shown'}, asOf
    ? ['Showing the contract as of ', h('output', {}, when(asOf)), '.']
    : ['Showing the latest state: every event up to ', h('output', {}, when(view.stream_time)), '.']));
}

async function renderContract(id, params) {
  const asOf = params.get('as_of');
  let view;
  try {
    view = await api(contractPath(id) + (asOf ? '?as_of=' + encodeURIComponent(asOf) : ''));
  } catch (err) {
    if (err.status === 404 && asOf) return showError(id, new Error(`Contract ${id} did not exist yet at ${when(asOf)}.`), id);
    if (err.status === 404) return showError(id, new Error(`No contract ${id} is visible with this token.`));
    return showError(id, err, asOf ? id : null);
  }
  const context = {id, asOf};
  const lifecycle = await diagram(view.state);
  show(
    h('h1', {}, h('span', {id: 'contract-id'}, view.contract_id), stateBadge(view.state)),
    asOfForm(id, asOf, view),
    h('p', {}, h('a', {href: timelineHash(id, asOf ? 'as_of=' + encodeURIComponent(asOf) : ''), id: 'timeline-link'},
      'Timeline: every event of this contract and what pactum did with it')),
    h('section', {'aria-labelledby': 'h-parties'}, h('h2', {id: 'h-parties'}, 'Parties and dates'), facts(view)),
    h('section', {'aria-labelledby': 'h-lifecycle'}, h('h2', {id: 'h-lifecycle'}, 'Lifecycle'), lifecycle),
    h('section', {'aria-labelledby': 'h-termination'}, h('h2', {id: 'h-termination'}, 'Who may terminate'), termination(context, view)),
    h('section', {'aria-labelledby': 'h-liability'}, h('h2', {id: 'h-liability'}, 'Liability by period'), liability(context, view)),
    h('section', {'aria-labelledby': 'h-breaches'}, h('h2', {id: 'h-breaches'}, 'Breaches'), breaches(context, view)),
    h('section', {'aria-labelledby': 'h-invoices'}, h('h2', {id: 'h-invoices'}, 'Invoices and payments'), invoices(context, view)),
    h('section', {'aria-labelledby': 'h-totals'}, h('h2', {id: 'h-totals'}, 'Totals'), totals(context, view)));
  announce(`Contract ${id} loaded` + (asOf ? ` as of ${when(asOf)}` : ''));
}

function facts(view) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h('dl', {class: 'facts', id: 'facts'},
    row('Client', party(view.client)),
    row('Vendor', party(view.vendor)),
    row('Term', `${view.start_date || '—'} to ${view.end_date || '—'}`),
    row('Currency', view.currency || '—'),
    row('Signed', view.signed_at ? `${when(view.signed_at)} by ${view.signed_by.join(' and ')}` : `not yet (signed by: ${view.signed_by.join(', ') || 'nobody'})`),
    row('Version', `${view.version} (events applied)`),
    row('Last event time', when(view.stream_time)));
}

function termination(context, view) {
  const t = view.termination;
  const out = [];
  if (t.terminated) {
    const idx = '/termination/terminated';
    out.push(h('p', {id: 'terminated'}, 'Terminated ',
      figure(context, idx, 'Termination', when(t.terminated.at)),
      t.terminated.by ? ` by the ${t.terminated.by}` : '', ` (${t.terminated.ground.replace(/_/g, ' ')}). Nobody may terminate it again.`));
  }
  if (t.pending) {
    const p = t.pending;
    out.push(h('p', {id: 'pending'}, 'Termination pending: ',
      `notice by ${p.by} for ${p.ground.replace(/_/g, ' ')}, served ${when(p.served_at)}, takes effect `,
      figure(context, '/termination/pending', 'Pending termination', when(p.effective_at)), '.'));
  }
  if (!t.terminated) {
    // A notice served at the instant shown takes effect notice_days later
    // (spec section 11: effective_at = max(asked, served + notice)).
    const at = context.asOf ? ms(context.asOf) : Date.now();
    const rows = t.grounds.map((g, i) => h('tr', {'data-ground': `${g.party}:${g.ground}`},
      h('td', {}, g.party),
      h('td', {}, figure(context, `/termination/grounds/${i}`, `The ${g.party}'s ground: ${g.ground}`, g.ground.replace(/_/g, ' '))),
      h('td', {}, when(g.since)),
      h('td', {class: 'num'}, `${g.notice_days} days`),
      h('td', {class: 'effective'}, when(iso(at + g.notice_days * DAY_MS))),
      h('td', {}, g.basis.length ? g.basis.join(', ') : '—')));
    out.push(rows.length
      ? [h('p', {class: 'note'}, `A notice served ${context.asOf ? 'at ' + when(context.asOf) : 'now (' + when(iso(at)) + ')'} would take effect on the date shown, or later if the notice asks for a later date.`),
        table('Termination grounds open ' + (context.asOf ? 'as of ' + when(context.asOf) : 'now'),
          ['Party', 'Ground', 'Available since', 'Notice', 'Effective from, if served then', 'On account of'], rows, {id: 'grounds'})]
      : h('p', {id: 'grounds-none'}, view.state === 'draft'
        ? 'Nobody may terminate it: the contract is not signed yet.'
        : 'Nobody may terminate it at this instant.'));
  }
  return out;
}

function liability(context, view) {
  const periods = view.liability.periods;
  if (!periods.length) return h('p', {}, 'No period has been reported yet.');
  const cur = view.currency || '';
  const rows = periods.map((p, i) => h('tr', {'data-period': p.period},
    h('th', {scope: 'row'}, p.period),
    h('td', {class: 'num'}, figure(context, `/liability/periods/${i}/charge`, `Charge for ${p.period}`, money(p.charge))),
    h('td', {class: 'num'}, figure(context, `/liability/periods/${i}/credit`, `Service credit for ${p.period}`, money(p.credit))),
    h('td', {class: 'num'}, figure(context, `/liability/periods/${i}/bonus`, `Bonus for ${p.period}`, money(p.bonus))),
    h('td', {}, p.missed_metrics.length ? p.missed_metrics.join(', ') : '—'),
    h('td', {}, p.capped_by ? `${p.capped_by} cap` : '—'),
    h('td', {}, p.waived ? 'waived' : (p.failed ? 'failed' : 'met'))));
  return [
    h('div', {class: 'charts'}, chargeChart(periods, cur), creditChart(periods, cur)),
    h('ul', {class: 'legend', 'aria-hidden': 'true'},
      h('li', {}, h('span', {class: 'swatch charge'}), 'charge'),
      h('li', {}, h('span', {class: 'swatch credit'}), 'service credit (owed to the client)'),
      h('li', {}, h('span', {class: 'swatch bonus'}), 'bonus (owed to the vendor)'),
      h('li', {}, '“cap”: the credit was cut by a cap')),
    table(`Liability by period (${cur})`, ['Period', 'Charge (the client pays)', 'Credit (the vendor owes)', 'Bonus (the client owes)', 'Missed metrics', 'Cap hit', 'SLA'], rows, {id: 'periods'}),
  ];
}

// Bars per period on one scale: the charge on its own chart, the credit
// (down) and the bonus (up) on a second, since they are a few percent of it.
function chartFrame(periods, label) {
  const step = 36;
  const width = Math.max(240, 40 + periods.length * step);
  return {step, width, svg: h('svg:svg', {class: 'chart', width, height: 180, viewBox: `0 0 ${width} 180`, role: 'img', 'aria-label': label})};
}

function chargeChart(periods, cur) {
  const max = Math.max(...periods.map((p) => Number(p.charge)), 1);
  const {step, svg} = chartFrame(periods, `Charge by period in ${cur}, highest ${money(max.toFixed(2))}`);
  periods.forEach((p, i) => {
    const height = (Number(p.charge) / max) * 140;
    svg.append(h('svg:rect', {class: 'charge', x: 30 + i * step, y: 150 - height, width: step - 10, height},
      h('svg:title', {}, `${p.period}: charge ${money(p.charge)} ${cur}`)));
    if (i % Math.ceil(periods.length / 12) === 0)
      svg.append(h('svg:text', {x: 30 + i * step, y: 166}, p.period.slice(2)));
  });
  svg.append(h('svg:line', {class: 'axis', x1: 26, x2: 30 + periods.length * step, y1: 150, y2: 150}),
    h('svg:text', {x: 2, y: 12}, 'Charge'));
  return svg;
}

function creditChart(periods, cur) {
  const max = Math.max(...periods.map((p) => Math.max(Number(p.credit), Number(p.bonus))), 1);
  const {step, svg} = chartFrame(periods, `Service credits (down) and bonuses (up) by period in ${cur}, largest ${money(max.toFixed(2))}`);
  const mid = 88;
  periods.forEach((p, i) => {
    const x = 30 + i * step;
    const credit = (Number(p.credit) / max) * 62;
    const bonus = (Number(p.bonus) / max) * 62;
    if (bonus > 0) svg.append(h('svg:rect', {class: 'bonus', x, y: mid - bonus, width: step - 10, height: bonus},
      h('svg:title', {}, `${p.period}: bonus ${money(p.bonus)} ${cur}`)));
    if (credit > 0) svg.append(h('svg:rect', {class: 'credit', x, y: mid, width: step - 10, height: credit},
      h('svg:title', {}, `${p.period}: credit ${money(p.credit)} ${cur}` + (p.capped_by ? ` (${p.capped_by} cap)` : ''))));
    if (p.capped_by) svg.append(h('svg:text', {class: 'cap', x, y: Math.min(mid + credit + 11, 176)}, 'cap'));
  });
  svg.append(h('svg:line', {class: 'axis', x1: 26, x2: 30 + periods.length * step, y1: mid, y2: mid}),
    h('svg:text', {x: 2, y: 12}, 'Bonus ↑ / credit ↓'));
  return svg;
}

function breaches(context, view) {
  const list = view.liability.breaches;
  if (!list.length) return h('p', {id: 'breaches-none'}, 'No breach.');
  return table('Breaches', ['Breach', 'Kind', 'By', 'Opened', 'Cure deadline', 'Status', 'Closed', 'Damages'],
    list.map((b, i) => h('tr', {'data-breach': b.breach_id},
      h('td', {}, figure(context, `/liability/breaches/${i}`, `Breach ${b.breach_id}`, b.breach_id)),
      h('td', {}, b.kind.replace(/_/g, ' ') + (b.material ? ' (material)' : '')),
      h('td', {}, b.by),
      h('td', {}, when(b.opened_at)),
      h('td', {}, b.curable ? when(b.cure_deadline) : 'not curable'),
      h('td', {}, b.status),
      h('td', {}, when(b.closed_at)),
      h('td', {class: 'num'}, figure(context, `/liability/breaches/${i}/damages`, `Damages of ${b.breach_id}`, money(b.damages))))),
    {id: 'breaches'});
}

function invoices(context, view) {
  const list = view.settlement.invoices;
  if (!list.length) return h('p', {id: 'invoices-none'}, 'No invoice.');
  return table(`Invoices (${view.currency || ''})`, ['Invoice', 'Period', 'Amount', 'Issued', 'Due', 'Paid', 'Status', 'Reconciliation'],
    list.map((inv, i) => h('tr', {'data-invoice': inv.invoice_id},
      h('td', {}, figure(context, `/settlement/invoices/${i}`, `Invoice ${inv.invoice_id}`, inv.invoice_id)),
      h('td', {}, inv.period),
      h('td', {class: 'num'}, figure(context, `/settlement/invoices/${i}/amount`, `Amount of ${inv.invoice_id}`, money(inv.amount))),
      h('td', {}, when(inv.issued_at)),
      h('td', {}, when(inv.due_at)),
      h('td', {class: 'num'}, figure(context, `/settlement/invoices/${i}/paid`, `Paid on ${inv.invoice_id}`, money(inv.paid))),
      h('td', {}, inv.status),
      h('td', {}, inv.reconciliation ? inv.reconciliation.status.replace(/_/g, ' ') : '—'))),
    {id: 'invoices'});
}

function totals(context, view) {
  const cur = view.currency || '';
  const list = (part, values, labels) => h('dl', {class: 'facts', id: `totals-${part}`},
    Object.keys(labels).filter((k) => k in values).map((k) => [
      h('dt', {}, labels[k]),
      h('dd', {'data-total': k}, figure(context, `/${part}/totals/${k}`, labels[k], money(values[k])), ` ${cur}`)]));
  return [
    h('h3', {}, 'Liability'),
    list('liability', view.liability.totals, {
      service_credits: 'Service credits', bonuses: 'Bonuses', data_damages: 'Data-protection damages',
      early_termination_fee: 'Early termination fee', owed_to_client: 'Owed to the client',
      owed_to_vendor: 'Owed to the vendor', net_to_client: 'Net to the client'}),
    h('h3', {}, 'Settlement'),
    list('settlement', view.settlement.totals, {invoiced: 'Invoiced', paid: 'Paid', outstanding: 'Outstanding'}),
  ];
}

// --- the timeline -----------------------------------------------------------

async function renderTimeline(id, params) {
  const wanted = params.get('record');
  // From a page as of T: the records after T (by their time, as spec section
  // 16 reads them) are marked, since that page did not apply them.
  const asOf = params.get('as_of');
  const later = (r) => asOf !== null && r.time && ms(r.time) > ms(asOf);
  const records = [];
  let cursor = params.get('cursor');
  let next = null;
  try {
    // A record asked for by id may be on a later page: read on until it is found.
    for (let pages = 0; pages < 50; ++pages) {
      const query = new URLSearchParams({limit: '500'});
      if (cursor) query.set('cursor', cursor);
      const page = await api(contractPath(id) + '/timeline?' + query);
      records.push(...page.records);
      next = page.next_cursor;
      if (!next || !wanted || records.some((r) => r.id === wanted)) break;
      cursor = next;
    }
  } catch (err) {
    return showError(`Timeline of ${id}`, err.status === 501
      ? new Error('This pactum instance keeps no records (pactumd --no-evidence): no timeline.') : err, id);
  }
  const rows = records.map((r) => h('tr', {'data-record': r.id, class: r.id === wanted ? 'highlight' : (later(r) ? 'later' : null)},
    h('td', {}, `${r.partition}:${r.offset}`),
    h('td', {}, when(r.time)),
    h('td', {}, r.type || '—'),
    h('td', {}, r.source || '—'),
    h('td', {}, h('code', {}, r.id || '—')),
    h('td', {}, h('span', {class: 'badge outcome-' + r.outcome}, r.outcome)),
    h('td', {}, r.outcome === 'accepted' ? `version ${r.version}` : (r.outcome === 'rejected' ? `${r.code}: ${r.detail}` : 'already applied'),
      later(r) ? ' (after the as-of instant)' : '')));
  show(h('h1', {}, 'Timeline of ', h('a', {href: contractHash(id)}, id)),
    h('p', {class: 'lead'}, 'Every event filed under this contract, in the order pactum applied them, and what became of each.'),
    asOf ? h('p', {class: 'note', id: 'timeline-as-of'}, `Events timed after ${when(asOf)} are marked: the contract as of then does not include them. `,
      h('a', {href: contractHash(id, 'as_of=' + encodeURIComponent(asOf))}, 'Back to the contract as of then')) : null,
    rows.length
      ? table(`Events of ${id}`, ['Position', 'Time', 'Type', 'Source', 'Event id', 'Outcome', 'Result'], rows, {id: 'timeline'})
      : h('p', {}, 'No event is filed under this contract.'),
    h('nav', {class: 'pager', 'aria-label': 'Pages'},
      next ? h('a', {href: timelineHash(id, 'cursor=' + encodeURIComponent(next))}, 'Next page') : null));
  const highlighted = main().querySelector('tr.highlight');
  if (highlighted) highlighted.scrollIntoView({block: 'center'});
  announce(`${rows.length} events of ${id}`);
}

// --- routing ----------------------------------------------------------------

function showError(title, err, backTo) {
  if (err.status === 401) return; // the sign-in form is shown already
  show(h('h1', {}, title), h('p', {class: 'error', role: 'alert'}, err.message),
    backTo ? h('p', {}, h('a', {href: contractHash(backTo)}, 'Back to the latest state of ' + backTo)) : null,
    h('p', {}, h('a', {href: '#/contracts'}, 'All contracts')));
}

async function route() {
  const dialog = document.getElementById('explanation');
  if (dialog.open) dialog.close();
  if (!token()) return renderLogin();
  document.getElementById('sign-out').hidden = false;
  const hash = location.hash.startsWith('#/') ? location.hash.slice(1) : '/contracts';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'contract' && parts.length >= 2) {
    const id = decodeURIComponent(parts[1]);
    return parts[2] === 'timeline' ? renderTimeline(id, params) : renderContract(id, params);
  }
  return renderList(params);
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('sign-out').addEventListener('click', () => signOut());
  document.getElementById('explanation-close').addEventListener('click', () => document.getElementById('explanation').close());
  // The skip link moves focus without touching the route in the URL.
  document.getElementById('skip').addEventListener('click', (e) => {
    e.preventDefault();
    main().focus();
  });
  window.addEventListener('hashchange', route);
  route();
});
