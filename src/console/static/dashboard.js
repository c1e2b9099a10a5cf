'use strict';
// The operations dashboard: a view of the console for administrators, at #dashboard (with the range
// in the hash, so a view can be shared: #dashboard?from=…&to=…&integrationId=…). It uses the console's
// sign-in. Every figure comes from /api/dashboard/*; text from the server is only set as textContent.
(() => {
  const KEY_STORAGE = 'agentConsole.apiKey';
  const REFRESH_MS = 30_000;
  const DAY_MS = 86_400_000;
  const SVG = 'http://www.w3.org/2000/svg';
  const ERROR_TYPES = {
    send_failed: 'Failed send', tool_failed: 'Failed tool call', alert: 'Alert', integration_paused: 'Paused integration', inbox_pending: 'Webhook event not processed',
  };
  const TILES = [
    ['messages-in', 'Messages in'], ['messages-out', 'Messages out'], ['active-customers', 'Active customers'],
    ['reply-time', 'Reply time (median)'], ['first-response', 'First response (median)'], ['resolution', 'Resolution time (median)'],
    ['delivery', 'Delivery success'], ['processing', 'Processing success'], ['bot-resolution', 'Resolved by the bot'],
    ['handoff', 'Handed to a person'], ['tokens', 'LLM tokens'], ['cost', 'Estimated LLM cost'],
  ];

  const $ = (id) => document.getElementById(id);
  const state = { me: null, timer: null, seq: 0, built: false, integrationId: '' };

  async function api(path) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) ?? ''}` }, cache: 'no-store' });
    const data = await res.json().catch(() => null);
    if (res.ok) return data;
    if (res.status === 401) $('sign-out').click();
    const problems = data && Array.isArray(data.problems) ? data.problems.map((p) => `${p.field} ${p.message}`).join('; ') : '';
    throw new Error(problems || (data && data.message) || `Request failed (${res.status})`);
  }

  // Layout, built once: toolbar, figure tiles, chart, top tools and gaps, error log, health.
  function build() {
    const view = $('dashboard-view');
    const toolbar = el('form', 'dash-toolbar');
    toolbar.id = 'dash-range';
    toolbar.append(
      field('Range', select('dash-preset', [['1', 'Last 24 hours'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['custom', 'Custom']])),
      field('From', input('dash-from', 'datetime-local')), field('To', input('dash-to', 'datetime-local')),
      field('Integration', select('dash-integration', [['', 'All integrations']])),
      button('dash-apply', 'Apply', 'submit'), el('span', 'muted', '', 'dash-updated'),
    );
    const tiles = el('div', 'dash-tiles');
    for (const [name, label] of TILES) {
      const tile = el('section', 'tile', '', `tile-${name}`);
      tile.append(el('h3', '', label), el('p', 'tile-value', '–', `value-${name}`), el('p', 'tile-detail', '', `detail-${name}`));
      tiles.append(tile);
    }
    const errorFilters = el('form', 'dash-filters');
    errorFilters.id = 'dash-error-filters';
    errorFilters.append(
      field('Type', select('dash-error-type', [['', 'All types'], ...Object.entries(ERROR_TYPES)])),
      field('Conversation', input('dash-error-sid', 'text', 'CH…')), button('dash-error-apply', 'Filter', 'submit'),
    );
    view.append(
      toolbar, tiles,
      panel('volume', 'Messages over time', el('div', 'chart', '', 'volume-chart')),
      el('div', 'dash-two'),
      panel('errors', 'Error log', errorFilters, table('errors', ['Time', 'Type', 'Code', 'What happened', 'Conversation', 'Workflow'])),
      panel('health', 'Integration health', table('health', ['Integration', 'Status', 'Last webhook', 'Last send', 'Sends in the last minute'])),
      panel('charts', 'Charts', el('div', 'dash-charts', '', 'charts-list')),
    );
    view.querySelector('.dash-two').append(
      panel('tools', 'Top tools', table('tools', ['Tool', 'Calls', 'Failed'])),
      panel('gaps', 'Knowledge gaps', el('p', 'muted', '', 'gaps-total'), el('ol', 'gaps', '', 'gaps-list')),
    );
    toolbar.addEventListener('submit', (event) => {
      event.preventDefault();
      if ($('dash-preset').value !== 'custom') setRange(Number($('dash-preset').value));
      saveHash();
      refresh();
    });
    $('dash-preset').addEventListener('change', () => {
      if ($('dash-preset').value !== 'custom') setRange(Number($('dash-preset').value));
    });
    for (const id of ['dash-from', 'dash-to']) $(id).addEventListener('input', () => ($('dash-preset').value = 'custom'));
    errorFilters.addEventListener('submit', (event) => {
      event.preventDefault();
      refreshErrors().catch(showError);
    });
    state.built = true;
  }

  // Which view shows: the dashboard at #dashboard for administrators, the conversations otherwise.
  function route() {
    const wanted = state.me && state.me.role === 'admin' && location.hash.startsWith('#dashboard');
    $('nav-dashboard').hidden = !(state.me && state.me.role === 'admin');
    $('nav-dashboard').setAttribute('aria-current', String(Boolean(wanted)));
    $('nav-conversations').setAttribute('aria-current', String(Boolean(state.me && !wanted)));
    clearTimeout(state.timer);
    if (!state.me) return ($('dashboard-view').hidden = true);
    $('console-view').hidden = Boolean(wanted);
    $('dashboard-view').hidden = !wanted;
    if (!wanted) return;
    if (!state.built) build();
    const params = new URLSearchParams(location.hash.slice('#dashboard?'.length));
    const from = new Date(params.get('from') ?? ''), to = new Date(params.get('to') ?? '');
    if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime())) {
      $('dash-preset').value = 'custom';
      $('dash-from').value = toLocalInput(from);
      $('dash-to').value = toLocalInput(to);
    } else if ($('dash-from').value === '') setRange(7);
    state.integrationId = params.get('integrationId') ?? '';
    refresh();
  }

  function setRange(days) {
    const to = new Date();
    $('dash-from').value = toLocalInput(new Date(to.getTime() - days * DAY_MS));
    $('dash-to').value = toLocalInput(new Date(to.getTime() + 60_000)); // the minute now falls in, included
  }

  function rangeQuery() {
    const q = new URLSearchParams({ from: new Date($('dash-from').value).toISOString(), to: new Date($('dash-to').value).toISOString() });
    const integration = $('dash-integration').value || state.integrationId;
    if (integration) q.set('integrationId', integration);
    return q;
  }

  function saveHash() {
    state.integrationId = $('dash-integration').value;
    history.replaceState(null, '', `#dashboard?${rangeQuery()}`);
  }

  async function refresh() {
    clearTimeout(state.timer);
    const seq = ++state.seq;
    try {
      const q = rangeQuery();
      const days = (new Date($('dash-to').value) - new Date($('dash-from').value)) / DAY_MS;
      const [summary, volume, health] = await Promise.all([
        api(`/api/dashboard/summary?${q}`), api(`/api/dashboard/volume?${q}&bucket=${days <= 2 ? 'hour' : 'day'}`), api(`/api/dashboard/health`),
      ]);
      if (seq !== state.seq) return;
      renderSummary(summary);
      renderChart(volume);
      renderHealth(health);
      await refreshErrors();
      await refreshCharts();
      $('dash-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (seq === state.seq) showError(err);
    }
    if (seq === state.seq && !$('dashboard-view').hidden) state.timer = setTimeout(refresh, REFRESH_MS);
  }

  function renderSummary(s) {
    const pct = (rate) => (rate == null ? '–' : `${(rate * 100).toFixed(1).replace(/\.0$/, '')} %`);
    tile('messages-in', count(s.messages.inbound), '');
    tile('messages-out', count(s.messages.outbound), '');
    tile('active-customers', count(s.activeCustomers), 'wrote in this range');
    tile('reply-time', seconds(ms(s.replyTimeMs.p50)), `p90 ${seconds(ms(s.replyTimeMs.p90))} · p99 ${seconds(ms(s.replyTimeMs.p99))} · ${count(s.replyTimeMs.count)} replies`);
    tile('first-response', seconds(s.firstResponseSeconds.p50), `p90 ${seconds(s.firstResponseSeconds.p90)} · ${count(s.firstResponseSeconds.count)} conversations`);
    tile('resolution', seconds(s.resolutionSeconds.p50), `p90 ${seconds(s.resolutionSeconds.p90)} · ${count(s.resolutionSeconds.count)} closed`);
    const d = s.delivery;
    tile('delivery', pct(d.successRate), `${count(d.delivered)} delivered · ${count(d.failed)} failed · ${count(d.held)} held · ${count(d.pending)} awaiting a receipt`);
    tile('processing', pct(s.processing.successRate), `${count(s.processing.delivered)} of ${count(s.processing.received)} webhook events processed · ${count(s.processing.failing)} failing`);
    const c = s.conversations;
    tile('bot-resolution', pct(c.botResolutionRate), `${count(c.botResolved)} of ${count(c.total)} conversations`);
    tile('handoff', pct(c.handoffRate), `${count(c.handedOff)} of ${count(c.total)} conversations`);
    tile('tokens', count(s.llm.totalTokens), `${count(s.llm.promptTokens)} prompt · ${count(s.llm.completionTokens)} completion · ${count(s.llm.calls)} calls (${s.llm.days.from} to ${s.llm.days.to}, UTC days)`);
    tile('cost', s.llm.estimatedCostUsd == null ? '–' : `$${s.llm.estimatedCostUsd}`,
      s.llm.pricePerMillion ? `${s.llm.model} at $${s.llm.pricePerMillion.input} / $${s.llm.pricePerMillion.output} per 1M tokens` : `no price for ${s.llm.model} in LLM_PRICES`);
    fillTable('tools', s.topTools.map((t) => [t.tool, count(t.calls), count(t.failed)]));
    $('gaps-total').textContent = `${count(s.knowledgeGaps.total)} unanswered questions`;
    $('gaps-list').replaceChildren(...s.knowledgeGaps.top.map((g) => el('li', '', `${g.question} (${g.count})`)));
  }

  // Bars drawn as inline SVG: customers' messages and the replies side by side in each bucket.
  function renderChart(volume) {
    const buckets = volume.buckets;
    const width = 900, height = 220, top = 16, bottom = 28, left = 36;
    const max = Math.max(1, ...buckets.map((b) => Math.max(b.inbound, b.outbound)));
    const slot = (width - left) / Math.max(1, buckets.length), bar = Math.max(1, slot * 0.4);
    const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Messages in and out per ${volume.bucket}`, class: 'volume' });
    const y = (v) => height - bottom - (v / max) * (height - top - bottom);
    svg.append(svgEl('line', { x1: left, x2: width, y1: y(0), y2: y(0), class: 'axis' }), svgText(left - 4, y(max) + 4, String(max), 'end'), svgText(left - 4, y(0) + 4, '0', 'end'));
    buckets.forEach((b, i) => {
      const x = left + i * slot + slot * 0.1;
      for (const [kind, value, dx] of [['inbound', b.inbound, 0], ['outbound', b.outbound, bar]]) {
        const rect = svgEl('rect', { x: x + dx, y: y(value), width: bar, height: y(0) - y(value), class: `bar bar-${kind}`, 'data-testid': `bar-${kind}`, 'data-value': value, 'data-start': b.start });
        const title = svgEl('title', {});
        title.textContent = `${formatBucket(b.start, volume.bucket)}: ${value} ${kind === 'inbound' ? 'in' : 'out'}`;
        rect.append(title);
        svg.append(rect);
      }
      if (i === 0 || i === buckets.length - 1 || i === Math.floor(buckets.length / 2)) svg.append(svgText(x + bar, height - 8, formatBucket(b.start, volume.bucket), 'middle'));
    });
    const legend = el('p', 'legend');
    legend.append(el('span', 'key key-inbound', 'Messages in'), el('span', 'key key-outbound', 'Messages out'));
    $('volume-chart').replaceChildren(svg, legend);
  }

  async function refreshErrors() {
    const q = rangeQuery();
    if ($('dash-error-type').value) q.set('type', $('dash-error-type').value);
    const sid = $('dash-error-sid').value.trim();
    if (sid) q.set('conversationSid', sid);
    const data = await api(`/api/dashboard/errors?${q}`);
    fillTable('errors', data.errors.map((e) => {
      const conversation = e.conversationSid ? link(`#conversation=${e.conversationSid}`, e.conversationSid, 'error-conversation') : '–';
      const workflow = e.workflowId ? (/^https?:\/\//i.test(e.temporalUiUrl ?? '') ? link(e.temporalUiUrl, e.workflowId, 'error-workflow', true) : e.workflowId) : '–';
      return [formatTime(e.at), ERROR_TYPES[e.type] || e.type, e.code ?? '', e.message, conversation, workflow];
    }), (row, e) => (row.dataset.type = e.type), data.errors);
  }

  function renderHealth(health) {
    const picker = $('dash-integration');
    const chosen = picker.value || state.integrationId || '';
    picker.replaceChildren(new Option('All integrations', ''), ...health.integrations.map((i) => new Option(i.name, i.id)));
    picker.value = chosen;
    fillTable('health', health.integrations.map((i) => [
      `${i.name} (${i.phoneNumber})`, i.status === 'paused' ? `Paused since ${formatTime(i.pausedSince)}: ${i.pausedReason ?? ''}` : 'Active',
      i.lastWebhookAt ? formatTime(i.lastWebhookAt) : 'never', i.lastSendAt ? formatTime(i.lastSendAt) : 'never', `${i.sendsLastMinute} / ${i.limitPerMinute}`,
    ]), (row, i) => (row.dataset.status = i.status), health.integrations);
  }

  // Recent chart pictures sent to staff. Images need the API key, so they are fetched and shown as
  // data: URLs (the console's CSP allows those, not blob:); a chart never changes: fetched once.
  const chartImages = new Map();
  async function refreshCharts() {
    const q = new URLSearchParams({ limit: '6' });
    const integration = $('dash-integration').value || state.integrationId;
    if (integration) q.set('integrationId', integration);
    const charts = await api(`/api/charts?${q}`);
    $('charts-list').replaceChildren(...(charts.length ? charts.map((c) => {
      const figure = el('figure', 'dash-chart');
      figure.dataset.testid = 'chart';
      const img = Object.assign(el('img'), { alt: c.title, loading: 'lazy' });
      chartImage(c.id).then((url) => (img.src = url), () => (img.alt = `${c.title} (picture unavailable)`));
      const caption = el('figcaption', '', c.title);
      caption.append(el('span', 'muted', `${c.question} · ${formatTime(c.createdAt)}`));
      figure.append(img, caption);
      return figure;
    }) : [el('p', 'muted', 'No charts yet.')]));
  }
  function chartImage(id) {
    if (!chartImages.has(id)) {
      chartImages.set(id, fetch(`/api/charts/${encodeURIComponent(id)}/png`, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) ?? ''}` } })
        .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(`Chart ${id}: ${res.status}`))))
        .then((blob) => new Promise((resolve, reject) => Object.assign(new FileReader(), { onload: (e) => resolve(e.target.result), onerror: reject }).readAsDataURL(blob)))
        .catch((err) => {
          chartImages.delete(id);
          throw err;
        }));
    }
    return chartImages.get(id);
  }

  function showError(err) {
    $('error-text').textContent = err.message || 'Cannot reach the server. Check your connection.';
    $('error').hidden = false;
  }

  // Helpers
  function el(tag, className = '', text, testid) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (testid) Object.assign(node, { id: testid }).dataset.testid = testid;
    if (text instanceof Node) node.append(text);
    else if (text !== undefined && text !== '') node.textContent = text;
    return node;
  }
  const field = (label, control) => el('label', 'field', label).appendChild(control).parentNode;
  const input = (id, type, placeholder) => Object.assign(el('input', '', '', id), { type, placeholder: placeholder ?? '' });
  const button = (id, text, type) => Object.assign(el('button', '', text, id), { type });
  function select(id, options) {
    const node = el('select', '', '', id);
    node.append(...options.map(([value, text]) => new Option(text, value)));
    return node;
  }
  function panel(name, title, ...children) {
    const node = el('section', 'panel', '', `panel-${name}`);
    node.append(el('h3', '', title), ...children);
    return node;
  }
  function table(name, headings) {
    const node = el('table', 'dash-table', '', `table-${name}`);
    const head = node.createTHead().insertRow();
    for (const h of headings) head.append(el('th', '', h));
    node.createTBody();
    return node;
  }
  function fillTable(name, rows, decorate, items) {
    const body = $(`table-${name}`).tBodies[0];
    body.replaceChildren(...rows.map((cells, i) => {
      const row = el('tr');
      row.dataset.testid = `${name}-row`;
      for (const cell of cells) row.append(el('td', '', cell instanceof Node ? cell : String(cell)));
      if (decorate) decorate(row, items[i]);
      return row;
    }));
    if (rows.length > 0) return;
    const cell = Object.assign(el('td', 'muted', 'Nothing here.'), { colSpan: 9 });
    body.append(el('tr', '', cell));
  }
  function link(href, text, testid, external) {
    const a = el('a', '', text);
    a.href = href;
    a.dataset.testid = testid;
    if (external) Object.assign(a, { target: '_blank', rel: 'noopener noreferrer' });
    return a;
  }
  function tile(name, value, detail) {
    $(`value-${name}`).textContent = value;
    $(`detail-${name}`).textContent = detail;
  }
  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }
  function svgText(x, y, text, anchor) {
    const node = svgEl('text', { x, y, 'text-anchor': anchor, class: 'tick' });
    node.textContent = text;
    return node;
  }
  const count = (n) => (n == null ? '–' : Number(n).toLocaleString('en-US'));
  const ms = (v) => (v == null ? null : v / 1000);
  const round1 = (v) => String(Math.round(v * 10) / 10);
  const seconds = (s) => (s == null ? '–' : s < 60 ? `${round1(s)} s` : s < 3600 ? `${round1(s / 60)} min` : s < 172_800 ? `${round1(s / 3600)} h` : `${round1(s / 86_400)} d`);
  const pad = (n) => String(n).padStart(2, '0');
  const toLocalInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const formatTime = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  const formatBucket = (iso, bucket) => new Date(iso).toLocaleString(undefined, bucket === 'hour' ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short' });

  // The console announces who signed in (or that nobody is any more); the hash picks the view.
  document.addEventListener('console:signed-in', (event) => route((state.me = event.detail)));
  document.addEventListener('console:signed-out', () => route((state.me = null)));
  window.addEventListener('hashchange', () => route());
})();
