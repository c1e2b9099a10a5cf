'use strict';
// The agent console. No framework, no build step. Customer and agent text is untrusted: it is only
// ever set through textContent, never parsed as HTML.
(() => {
  const KEY_STORAGE = 'agentConsole.apiKey';
  const POLL_MS = 2000;
  const STATUS_LABELS = { waiting_for_human: 'Waiting for a person', human: 'With a person', bot: 'Bot', closed: 'Closed' };

  const $ = (id) => document.getElementById(id);
  // selected: the open conversationSid; conversation: its last transcript; names: sid -> customer name
  // from the list; *Seq: request counters, so that a response overtaken by a newer request is dropped.
  const state = {
    me: null, tab: 'waiting_for_human', selected: null, conversation: null, names: new Map(),
    timer: null, listSeq: 0, detailSeq: 0, renderedKey: '', pollError: false,
  };

  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) ?? ''}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (res.ok) return data;
    const message = (data && typeof data.message === 'string' && data.message) || `Request failed (${res.status})`;
    if (res.status === 401) {
      signOut();
      showError(message);
    }
    throw Object.assign(new Error(message), { status: res.status, code: data && data.error });
  }

  // Error banner
  function showError(message, fromPoll = false) {
    $('error-text').textContent = message;
    $('error').hidden = false;
    state.pollError = fromPoll;
  }

  function hideError() {
    $('error').hidden = true;
    $('error-text').textContent = '';
    state.pollError = false;
  }

  const messageOf = (err) => (err.status ? err.message : 'Cannot reach the server. Check your connection.');

  // Sign-in
  async function signIn(key) {
    sessionStorage.setItem(KEY_STORAGE, key);
    try {
      state.me = await api('GET', '/api/me');
    } catch (err) {
      sessionStorage.removeItem(KEY_STORAGE);
      return showError(messageOf(err));
    }
    hideError();
    $('key-input').value = '';
    $('signed-in-as').textContent = `Signed in as ${state.me.name} (${state.me.role})`;
    $('session').hidden = false;
    $('sign-in-view').hidden = true;
    $('console-view').hidden = false;
    selectTab(state.tab);
    poll();
    openFromHash();
    document.dispatchEvent(new CustomEvent('console:signed-in', { detail: state.me }));
  }

  // A link to #conversation=<ConversationSid> (the dashboard's error log) opens that conversation.
  function openFromHash() {
    const match = /^#conversation=(CH[0-9a-fA-F]{32})$/.exec(location.hash);
    if (match && state.me) open(match[1]);
  }

  function signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
    clearTimeout(state.timer);
    Object.assign(state, { me: null, selected: null, conversation: null, timer: null, renderedKey: '' });
    state.listSeq++;
    state.detailSeq++;
    $('session').hidden = true;
    $('console-view').hidden = true;
    $('sign-in-view').hidden = false;
    $('conversation-list').replaceChildren();
    showDetail(false);
    $('key-input').focus();
    document.dispatchEvent(new CustomEvent('console:signed-out'));
  }

  // Polling
  async function refresh() {
    if (!state.me) return;
    try {
      await Promise.all([refreshList(), refreshDetail()]);
      if (state.pollError) hideError();
    } catch (err) {
      if (state.me) showError(messageOf(err), true);
    }
  }

  async function poll() {
    clearTimeout(state.timer);
    await refresh();
    if (state.me) state.timer = setTimeout(poll, POLL_MS);
  }

  // Conversation list
  function selectTab(status) {
    state.tab = status;
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      tab.setAttribute('aria-selected', String(tab.dataset.status === status));
    }
  }

  async function refreshList() {
    const seq = ++state.listSeq;
    const data = await api('GET', `/api/conversations?status=${encodeURIComponent(state.tab)}`);
    if (seq === state.listSeq && state.me) renderList(data.conversations);
  }

  function renderList(conversations) {
    const rows = conversations.map((c) => {
      const name = c.customer.name || displayPhone(c.customer.phone);
      state.names.set(c.conversationSid, name);
      const row = el('button', 'row');
      row.type = 'button';
      row.dataset.sid = c.conversationSid;
      if (c.conversationSid === state.selected) row.setAttribute('aria-current', 'true');
      row.append(el('span', 'row-name', name));
      const preview = c.lastMessage ? `${c.lastMessage.direction === 'outbound' ? 'Sent: ' : ''}${c.lastMessage.body}` : 'No messages';
      row.append(el('span', 'row-preview', preview));
      const meta = [];
      if (c.waitingSeconds != null) meta.push(`waiting ${formatDuration(c.waitingSeconds)}`);
      meta.push(c.assignedAgent ? `assigned to ${isMe(c.assignedAgent) ? 'you' : c.assignedAgent.name}` : 'unassigned');
      row.append(el('span', 'row-meta', meta.join(' · ')));
      return el('li', '', row);
    });
    $('conversation-list').replaceChildren(...rows);
    $('list-empty').hidden = rows.length > 0;
  }

  // Transcript
  function open(sid) {
    state.selected = sid;
    state.conversation = null;
    state.renderedKey = '';
    $('transcript').replaceChildren();
    renderSummary([]);
    $('reply-input').value = '';
    for (const row of document.querySelectorAll('#conversation-list .row')) {
      row.toggleAttribute('aria-current', row.dataset.sid === sid);
    }
    showDetail(true);
    refresh();
  }

  function showDetail(visible) {
    $('detail').hidden = !visible;
    $('no-selection').hidden = visible;
  }

  async function refreshDetail() {
    const sid = state.selected;
    if (!sid) return;
    const seq = ++state.detailSeq;
    const data = await api('GET', `/api/conversations/${encodeURIComponent(sid)}`);
    if (seq === state.detailSeq && sid === state.selected && state.me) renderDetail(data);
  }

  function renderDetail(c) {
    state.conversation = c;
    $('detail-title').textContent = state.names.get(c.conversationSid) || displayPhone(c.customerPhone);
    const badge = $('status-badge');
    badge.textContent = STATUS_LABELS[c.status] || c.status;
    badge.dataset.status = c.status;
    $('assignee').textContent = c.assignedAgent ? `Assigned to ${isMe(c.assignedAgent) ? 'you' : c.assignedAgent.name}` : 'Unassigned';
    const link = /^https?:\/\//i.test(c.temporalUiUrl ?? '') && el('a', '', 'Open in Temporal UI');
    if (link) Object.assign(link, { href: c.temporalUiUrl, target: '_blank', rel: 'noopener noreferrer' });
    $('workflow').replaceChildren(link || (c.temporalWorkflowId ? `Workflow ${c.temporalWorkflowId}` : ''));
    renderSummary(c.summaries);
    renderActions(c);

    const key = JSON.stringify(c.messages.map((m) => [m.id, m.deliveryStatus, m.errorCode]));
    if (key === state.renderedKey) return;
    const list = $('transcript');
    const grew = c.messages.length > list.childElementCount;
    state.renderedKey = key;
    list.replaceChildren(...c.messages.map(renderMessage));
    if (grew) list.scrollTop = list.scrollHeight;
  }

  // The latest summary written for the team at a hand-off or close (newest first from the API).
  function renderSummary(summaries) {
    const latest = Array.isArray(summaries) ? summaries[0] : undefined;
    const box = $('summary');
    box.hidden = !latest;
    if (!latest) return box.replaceChildren();
    const label = `${latest.trigger === 'close' ? 'Summary at close' : 'Summary at hand-off'}${latest.model ? '' : ' (from the transcript)'} · ${formatTime(latest.createdAt)}`;
    box.replaceChildren(el('span', 'summary-label', label), el('span', 'summary-text', latest.summary));
  }

  function renderMessage(m) {
    const byAgent = m.direction === 'outbound' && String(m.sentBy).startsWith('agent:');
    const item = el('li', `message ${m.direction === 'inbound' ? 'inbound' : 'outbound'}${byAgent ? ' by-agent' : ''}`);
    Object.assign(item.dataset, { testid: 'message', direction: m.direction });
    const author = m.direction === 'inbound' ? 'Customer' : byAgent ? m.sentBy.slice('agent:'.length) : 'Bot';
    const meta = el('div', 'message-meta');
    meta.append(el('span', 'message-author', author), el('time', 'message-time', formatTime(m.at)));
    if (m.direction === 'outbound' && m.deliveryStatus && m.deliveryStatus !== 'accepted') {
      meta.append(el('span', 'message-delivery', m.errorCode ? `${m.deliveryStatus} (${m.errorCode})` : m.deliveryStatus));
    }
    item.append(meta, el('p', 'message-body', m.body));
    return item;
  }

  function renderActions(c) {
    const mine = c.status === 'human' && isMe(c.assignedAgent);
    $('takeover').disabled = c.status === 'closed' || mine;
    $('handback').disabled = c.status !== 'human' && c.status !== 'waiting_for_human';
    $('close').disabled = c.status === 'closed';
    $('reply-input').disabled = !mine;
    $('send').disabled = !mine;
    $('reply-hint').textContent = mine ? 'Ctrl+Enter sends.' : c.status === 'closed' ? 'This conversation is closed.' : 'Take over the conversation to reply.';
  }

  // Actions
  async function act(button, action) {
    const sid = state.selected;
    if (!sid) return;
    button.disabled = true;
    try {
      await action(sid);
      hideError();
    } catch (err) {
      showError(messageOf(err));
    } finally {
      if (state.conversation) renderActions(state.conversation);
      await refresh();
    }
  }

  const post = (sid, verb, body) => api('POST', `/api/conversations/${encodeURIComponent(sid)}/${verb}`, body);

  function wire() {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('key-input').value.trim();
      if (key) signIn(key);
    });
    $('sign-out').addEventListener('click', () => {
      hideError();
      signOut();
    });
    $('error-dismiss').addEventListener('click', hideError);
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      tab.addEventListener('click', () => {
        selectTab(tab.dataset.status);
        refresh();
      });
    }
    $('conversation-list').addEventListener('click', (event) => {
      const row = event.target.closest('.row');
      if (row) open(row.dataset.sid);
    });
    $('takeover').addEventListener('click', (event) =>
      act(event.currentTarget, async (sid) => {
        await post(sid, 'takeover');
        selectTab('human');
      }),
    );
    $('handback').addEventListener('click', (event) => act(event.currentTarget, (sid) => post(sid, 'handback')));
    $('close').addEventListener('click', (event) => act(event.currentTarget, (sid) => post(sid, 'close')));
    $('reply-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $('reply-input');
      const body = input.value.trim();
      if (!body || $('send').disabled) return;
      act($('send'), async (sid) => {
        await post(sid, 'messages', { body });
        if (state.selected === sid) input.value = '';
      });
    });
    $('reply-input').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('reply-form').requestSubmit();
    });
    window.addEventListener('hashchange', openFromHash);
  }

  // Helpers
  function el(tag, className = '', text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text instanceof Node) node.append(text);
    else if (text !== undefined) node.textContent = text;
    return node;
  }

  const isMe = (agent) => Boolean(agent && state.me && agent.id === state.me.id);
  const displayPhone = (phone) => String(phone ?? '').replace(/^whatsapp:/, '');

  function formatDuration(seconds) {
    if (seconds < 60) return `${Math.max(0, Math.floor(seconds))} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  }

  wire();
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) signIn(saved);
  else $('key-input').focus();
})();
