import Crypto
import Foundation

/// The teacher station's static files, served under `/static/` (Swift string constants, so the
/// server binary needs no resource bundle beside it). Plain JavaScript, no libraries; every
/// value from the server is put into the page with `textContent` or `setAttribute`, never as HTML.
enum TeacherAssets {
    struct Asset: Sendable {
        let type: String
        let text: String
        let etag: String
        init(_ type: String, _ text: String) {
            self.type = type
            self.text = text
            etag = "\"" + SHA256.hash(data: Data(text.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    static let files: [String: Asset] = [
        "teacher.css": Asset("text/css; charset=utf-8", css),
        "teacher.js": Asset("text/javascript; charset=utf-8", common),
        "login.js": Asset("text/javascript; charset=utf-8", login),
        "grid.js": Asset("text/javascript; charset=utf-8", grid),
        "station.js": Asset("text/javascript; charset=utf-8", station),
        "debrief.js": Asset("text/javascript; charset=utf-8", debrief),
        "exams.js": Asset("text/javascript; charset=utf-8", exams),
    ]

    /// Okabe–Ito colours (colour-blind safe); state is also told in words and by outline style.
    static let css = #"""
    :root { --orange: #E69F00; --sky: #56B4E9; --green: #009E73; --yellow: #F0E442; --blue: #0072B2; --vermillion: #D55E00;
            --purple: #CC79A7; --grey: #999999; --ink: #1a1a1a; color-scheme: light; }
    * { box-sizing: border-box; }
    body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
           margin: 0; color: var(--ink); background: #f7f7f7; font-size: 15px; line-height: 1.5; }
    main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
    main:focus { outline: none; }
    h1 { font-size: 24px; margin: 8px 0; } h2 { font-size: 18px; margin: 18px 0 8px; }
    a { color: var(--blue); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
        outline: 3px solid var(--blue); outline-offset: 2px; box-shadow: 0 0 0 5px #fff; }
    .skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 10; }
    header.top { display: flex; justify-content: space-between; align-items: center; gap: 12px; background: #1f2d3a; color: #fff; padding: 8px 24px; flex-wrap: wrap; }
    header.top a { color: #fff; margin-right: 14px; } header.top a.brand { font-weight: 700; }
    header.top .who { display: flex; gap: 12px; align-items: center; }
    button, a.button { font: inherit; border: 2px solid var(--blue); background: #fff; color: var(--blue); border-radius: 6px; padding: 4px 12px;
                       cursor: pointer; text-decoration: none; display: inline-block; margin: 2px 4px 2px 0; }
    button:hover, a.button:hover { background: #e8f2fa; }
    button[data-kind="fault"], button[data-kind="pause"] { border-color: var(--vermillion); color: #8a3000; }
    input, select { font: inherit; padding: 3px 6px; border: 1px solid #888; border-radius: 4px; }
    label { margin-right: 6px; } label.check { display: inline-block; margin: 2px 12px 2px 0; }
    fieldset { border: 1px solid #ccc; margin: 8px 0; }
    .card { background: #fff; border: 1px solid #d0d0d0; border-radius: 8px; padding: 12px 16px; margin: 8px 0; }
    .narrow { max-width: 420px; } .narrow label, .narrow input { display: block; width: 100%; margin: 4px 0; }
    .note { color: #555; font-size: 13px; } .subtitle { color: #444; margin-top: 0; }
    .error { color: #a33a00; font-weight: 600; } .ok { color: #00604a; }
    .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
    ul.grid, ul.classes { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 12px; }
    li.station { border-left: 8px solid var(--grey); margin: 0; }
    li.station h2 { font-size: 17px; margin: 0 0 6px; }
    li.station dl, dl.status { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
    dl.status { grid-template-columns: repeat(4, max-content 1fr); background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 8px 12px; }
    dt { color: #555; } dd { margin: 0; font-variant-numeric: tabular-nums; }
    dd[data-f="alarms"], dd[data-f="hazards"], dd[data-f="accidents"] { color: #8a3000; font-weight: 600; }
    li.conn-live { border-left: 8px solid var(--green); }
    li.conn-reconnecting { border-left: 8px dashed var(--orange); }
    li.conn-offline { border-left: 8px dotted var(--grey); }
    li.conn-submitted { border-left: 8px double var(--blue); }
    span.conn { padding: 0 6px; border-radius: 4px; border: 2px solid; font-weight: 600; }
    span.conn-live { border-color: var(--green); color: #00604a; } span.conn-live::before { content: "● "; }
    span.conn-reconnecting { border-color: var(--orange); border-style: dashed; color: #7a5200; } span.conn-reconnecting::before { content: "◐ "; }
    span.conn-offline { border-color: var(--grey); border-style: dotted; color: #444; } span.conn-offline::before { content: "○ "; }
    span.conn-submitted { border-color: var(--blue); color: var(--blue); } span.conn-submitted::before { content: "✔ "; }
    .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
    .feed { margin-right: 16px; color: #00604a; }
    .columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; }
    .side-by-side { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
    .side-by-side.two { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
    .side-by-side.two .columns { grid-template-columns: 1fr; }
    dl.cmp-status { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
    ul.cmp-plan { columns: 2; padding-left: 18px; }
    @media (max-width: 1000px) { .side-by-side.two { grid-template-columns: 1fr; } }
    @media (max-width: 1000px) { .columns { grid-template-columns: 1fr; } dl.status { grid-template-columns: max-content 1fr; } }
    .chart-box { overflow-x: auto; } .chart-box svg { background: #fff; border: 1px solid #ddd; max-width: 100%; height: auto; }
    .trends { display: flex; flex-wrap: wrap; gap: 10px; }
    figure.trend { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px; }
    figure.trend figcaption { font-size: 13px; display: flex; justify-content: space-between; gap: 8px; }
    figure.trend .gval { font-weight: 600; font-variant-numeric: tabular-nums; }
    ol.checklist li.done .mark { color: #00604a; font-weight: 600; } ol.checklist li.todo .mark { color: #666; }
    ol.checklist li.current { background: #fff7d6; outline: 2px dashed var(--orange); }
    ol.events { font-size: 13px; max-height: 420px; overflow-y: auto; background: #fff; border: 1px solid #ddd; padding: 6px 6px 6px 36px; }
    #intervene .row { margin: 6px 0; }
    .slider input[type=range] { width: 70%; vertical-align: middle; } .slider input[type=number] { width: 8em; }
    .slider output { margin: 0 12px; font-variant-numeric: tabular-nums; } .slider #at-hash { color: #555; }
    .jumps button { font-size: 13px; padding: 1px 8px; }
    .jumps button.k-fault { border-color: var(--vermillion); } .jumps button.k-deduction { border-color: var(--purple); }
    body.projector { font-size: 26px; background: #fff; }
    body.projector main { max-width: none; }
    body.projector dl.status { grid-template-columns: max-content 1fr max-content 1fr; }
    li.station.frozen { outline: 4px dashed var(--sky); outline-offset: -4px; background: #eef7fd; }
    li.station.paused { outline: 4px double var(--orange); outline-offset: -4px; background: #fff8e8; }
    li.station.idle { border-left: 8px dotted #ccc; color: #555; }
    .badge { display: inline-block; margin: 0 0 6px; padding: 0 8px; border: 2px solid #555; border-radius: 4px; font-weight: 700; }
    .badge-frozen { border-color: var(--blue); color: var(--blue); } .badge-paused { border-color: #8a5a00; color: #8a5a00; border-style: double; }
    .warn { color: #8a3000; } .count { margin: 0 6px; } .offline-box { border: 2px dotted var(--grey); padding: 6px 10px; margin: 6px 0; }
    .confirm { border: 2px solid var(--vermillion); }
    body.projector main { height: 100vh; display: flex; flex-direction: column; padding: 8px 16px; } body.projector h1 { margin: 0; font-size: 32px; }
    body.projector .subtitle { margin: 0 0 4px; } body.projector dl.status { font-size: 24px; }
    body.projector main > section { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; } body.projector main > section h2 { margin: 4px 0; }
    body.projector .chart-box { flex: 1 1 auto; min-height: 0; overflow: hidden; } body.projector .legend { margin: 2px 0; font-size: 14px; }
    body.projector .chart-box svg { width: 100%; height: 100%; }
    table { border-collapse: collapse; background: #fff; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
    """#

    static let common = #"""
    'use strict';
    // Shared helpers of the teacher station's pages (no libraries).
    window.HZ = (function () {
      const lang = document.body.dataset.lang === 'en' ? 'en' : 'zh';
      const meta = document.querySelector('meta[name="csrf-token"]');
      const csrf = meta ? meta.getAttribute('content') : '';
      function t(zh, en) { return lang === 'en' ? en : zh; }
      async function api(method, path, body) {
        const opt = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
        if (method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
        if (body !== undefined) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body); }
        let r;
        try { r = await fetch(path, opt); } catch (e) { return { ok: false, status: 0, json: { error: t('无法连接服务器', 'cannot reach the server') } }; }
        let j = {};
        try { j = await r.json(); } catch (e) { j = {}; }
        return { ok: r.ok, status: r.status, json: j };
      }
      function el(tag, attrs, text) {
        const e = document.createElement(tag);
        if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
        if (text !== undefined && text !== null) e.textContent = String(text);
        return e;
      }
      function pad(n) { return (n < 10 ? '0' : '') + n; }
      function clock(s) { s = Math.max(0, Math.floor(s || 0)); return pad(Math.floor(s / 3600)) + ':' + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60); }
      function title(tx) { return tx ? (lang === 'en' && tx.en ? tx.en : (tx.zh || tx.en || '')) : ''; }
      function say(id, text, bad) { const p = document.getElementById(id); if (p) { p.textContent = text; p.className = bad ? 'error' : 'ok'; } }
      function enc(s) { return encodeURIComponent(s); }
      function withLang(href) { return lang === 'en' ? href + (href.indexOf('?') < 0 ? '?' : '&') + 'lang=en' : href; }
      const modes = { teaching: t('教学', 'teaching'), practice: t('练习', 'practice'), exam: t('考核', 'exam') };
      const connections = { live: t('在线', 'live'), reconnecting: t('重连中', 'reconnecting'), offline: t('离线', 'offline'), submitted: t('已交卷', 'submitted') };
      // The live plan's colours (Okabe–Ito), as the server draws them.
      function stateColor(s) {
        switch (s) {
          case 'open': case 'running': case 'closed-circuit': case 'ok': return '#009E73';
          case 'partly-open': return '#56B4E9';
          case 'tripped': case 'failed': case 'stuck': return '#D55E00';
          case 'active': case 'leaking': case 'overflowing': return '#E69F00';
          case 'closed': case 'stopped': case 'open-circuit': case 'quiet': case 'idle': return '#999999';
          default: return '#0072B2';
        }
      }
      const attention = ['tripped', 'failed', 'stuck', 'active', 'leaking', 'overflowing'];
      function paintPlan(equipment) {
        const plan = document.getElementById('plan');
        if (!plan || !equipment) return;
        for (const e of equipment) {
          const nodes = plan.querySelectorAll('[data-entity="' + CSS.escape(e.id) + '"]');
          nodes.forEach(function (n) {
            if (!n.hasAttribute('data-state')) return;
            n.setAttribute('data-state', e.state);
            if (e.value !== null && e.value !== undefined) n.setAttribute('data-value', String(e.value));
            if (n.tagName.toLowerCase() === 'path') n.setAttribute('stroke', stateColor(e.state)); else n.setAttribute('fill', stateColor(e.state));
            if (attention.indexOf(e.state) >= 0) { n.setAttribute('stroke-dasharray', '3 2'); n.setAttribute('stroke-width', '2.5'); }
            else { n.removeAttribute('stroke-dasharray'); n.setAttribute('stroke-width', n.tagName.toLowerCase() === 'path' ? '2.5' : '1'); }
            const tl = n.querySelector('title');
            if (tl && e.label) { const base = tl.textContent.split(' — ').slice(0, 2).join(' — '); tl.textContent = base + ' — ' + title(e.label); }
          });
        }
      }
      function checklist(items) {
        const ol = document.getElementById('checklist');
        if (!ol || !items) return;
        let current = false;
        for (const s of items) {
          const li = ol.querySelector('li[data-step="' + CSS.escape(s.id) + '"]');
          if (!li) continue;
          li.className = s.done ? 'done' : 'todo';
          if (!s.done && !current) { li.classList.add('current'); current = true; }
          const mark = li.querySelector('.mark');
          if (mark) mark.textContent = s.done ? '✔ ' + t('完成', 'done') : '○ ' + t('未完成', 'to do');
        }
      }
      function stepText(items) {
        if (!items) return '';
        const done = items.filter(function (s) { return s.done; }).length;
        const cur = items.find(function (s) { return !s.done && s.started; }) || items.find(function (s) { return !s.done; });
        return cur ? (cur.seq + '/' + items.length + ' ' + title(cur.title)) : (done + '/' + items.length);
      }
      function setText(id, text) { const e = document.getElementById(id); if (e) e.textContent = text; }
      // A refused request in words: the JSON error's `code` (or the status) as a sentence in the
      // page's language; the server's own text follows as the details.
      const refusals = {
        'forbidden': t('您的账户无权执行此操作。', 'Your account may not do this.'),
        'not-found': t('找不到该对象（可能已被删除或编号有误）。', 'Not found (removed, or a wrong id).'),
        'unauthenticated': t('登录已失效，请重新登录。', 'Your session ended: sign in again.'),
        'bad-command': t('请求内容有误。', 'The request is not valid.'),
        'finished': t('该次考核已结束，不能再干预。', 'This attempt has ended: no more interventions.'),
        'exam-no-intervention': t('考核模式只允许因突发情况暂停和继续。', 'An exam allows only pause for an incident and resume.'),
        'teaching-only': t('冻结/继续运行只用于教学模式的工位。', 'Freeze and run are for teaching stations only.'),
        'refused': t('服务器拒绝了该请求。', 'The server refused the request.')
      };
      const statusWords = { 400: 'bad-command', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found' };
      function refusal(r) {
        const j = r.json || {};
        const code = j.code || statusWords[r.status] || (r.status === 409 ? 'refused' : '');
        const sentence = refusals[code] || (r.status === 0 ? t('无法连接服务器。', 'Cannot reach the server.') : t('请求失败。', 'The request failed.'));
        const details = (j.error || '') + ' (' + (r.status || '-') + (j.code ? ' ' + j.code : '') + ')';
        return lang === 'en' ? sentence + ' ' + t('详细信息：', 'Details: ') + details : sentence + ' 详细信息：' + details;
      }
      // The event kinds of the simulator and of the instructor's commands, in words.
      const kinds = {
        'action-applied': t('操作已执行', 'action applied'), 'action-rejected': t('操作被拒绝', 'action rejected'), 'violation': t('违规', 'violation'),
        'fault': t('故障', 'fault'), 'hazard': t('危险出现', 'hazard'), 'hazard-cleared': t('危险解除', 'hazard cleared'),
        'alarm': t('报警', 'alarm'), 'alarm-acknowledged': t('报警已确认', 'alarm acknowledged'), 'alarm-cleared': t('报警解除', 'alarm cleared'),
        'trip': t('设备跳闸', 'trip'), 'changed': t('设备状态变化', 'equipment changed'), 'measurement': t('测量', 'measurement'),
        'report': t('报告', 'report'), 'end': t('结束', 'end'), 'accident': t('事故', 'accident'), 'deduction': t('扣分', 'deduction'),
        'message': t('教师消息', 'message'), 'hint': t('教师提示', 'hint'), 'pause': t('暂停', 'pause'), 'resume': t('继续', 'resume'),
        'incident-pause': t('突发暂停', 'incident pause'), 'incident-resume': t('继续作答', 'resume'), 'freeze': t('冻结', 'freeze'),
        'run': t('继续运行', 'run'), 'clear': t('清除故障', 'clear fault'), 'submit': t('交卷', 'submit'),
        'instructor-fault': t('注入故障', 'inject fault'), 'instructor-clear': t('清除故障', 'clear fault'), 'instructor-freeze': t('冻结', 'freeze'),
        'instructor-run': t('继续运行', 'run'), 'instructor-message': t('教师消息', 'message')
      };
      function kind(k) { return kinds[k] || k; }
      // Gauge units (one table): K → °C, Pa → kPa/MPa, m³/s → m³/h, dimensionless → nothing.
      function gauge(value, unit) {
        let v = Number(value), u = unit || '';
        const m = /\[([^\]]+)\]/.exec(u);
        if (u === 'dimensionless' || u === 'number') u = ''; else if (m) u = m[1];
        if (u === 'K') { v = v - 273.15; u = '°C'; }
        else if (u === 'Pa') { if (Math.abs(v) >= 1e6) { v = v / 1e6; u = 'MPa'; } else { v = v / 1e3; u = 'kPa'; } }
        else if (u === 'm³/s') { v = v * 3600; u = 'm³/h'; }
        const text = Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString();
        return u ? text + ' ' + u : text;
      }
      document.querySelectorAll('.gval[data-unit]').forEach(function (g) { g.textContent = gauge(g.getAttribute('data-value'), g.getAttribute('data-unit')); });
      // A text box with data-max: the count beside it; over the limit it says so (never cut silently).
      function counted(id) {
        const box = document.getElementById(id);
        if (!box) return;
        const max = Number(box.getAttribute('data-max') || 500), c = document.getElementById(id + '-count');
        function update() {
          const n = box.value.length;
          if (c) { c.textContent = n + '/' + max + (n > max ? t('（超出 ', ' (') + (n - max) + t(' 字，无法发送）', ' too many: cannot send)') : ''); c.className = n > max ? 'count error' : 'note count'; }
        }
        box.addEventListener('input', update);
        update();
      }
      // True when the box's text may go: else the reason is said in `result` and false.
      function fits(id, result) {
        const box = document.getElementById(id);
        if (!box) return true;
        const max = Number(box.getAttribute('data-max') || 500);
        if (box.value.length <= max) return true;
        say(result, t('内容过长：', 'Too long: ') + box.value.length + '/' + max + t(' 字，请删减后再发送。', ' characters; shorten it and send again.'), true);
        box.focus();
        return false;
      }
      const out = document.getElementById('sign-out');
      if (out) out.addEventListener('click', async function () {
        await api('POST', '/api/logout');
        location.href = withLang('/login');
      });
      return { lang: lang, csrf: csrf, t: t, api: api, el: el, clock: clock, title: title, say: say, enc: enc, withLang: withLang,
               modes: modes, connections: connections, paintPlan: paintPlan, checklist: checklist, stepText: stepText, setText: setText,
               refusal: refusal, kind: kind, gauge: gauge, counted: counted, fits: fits };
    })();
    """#

    static let login = #"""
    'use strict';
    (function () {
      const form = document.getElementById('login-form');
      form.addEventListener('submit', async function (ev) {
        ev.preventDefault();
        const r = await HZ.api('POST', '/api/login', { user: document.getElementById('user').value, password: document.getElementById('password').value });
        if (!r.ok) {
          const why = r.status === 401 || r.status === 403 ? HZ.t('用户名或密码不正确，或账户已被锁定。', 'Wrong user id or password, or the account is locked.')
                    : r.status === 429 ? HZ.t('尝试次数过多，请稍后再试。', 'Too many tries: wait a while.') : HZ.t('登录失败。', 'Sign-in failed.');
          HZ.say('login-error', why + (r.json.error ? HZ.t(' 详细信息：', ' Details: ') + r.json.error : ''), true);
          return;
        }
        let next = document.body.dataset.next || '';
        // Only a path on this server (never another site).
        if (next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === '\\') next = '';
        // A student never goes on to the teacher's pages (they would answer 403).
        if (r.json.role === 'student' && next.indexOf('/teacher') === 0) next = '';
        if (!next) next = r.json.role === 'student' ? '/me' : '/teacher';
        if (HZ.lang === 'en' && next.indexOf('lang=') < 0) next = HZ.withLang(next);
        location.href = next;
      });
    })();
    """#

    static let grid = #"""
    'use strict';
    (function () {
      const t = HZ.t, klass = document.body.dataset.class, task = document.body.dataset.task;
      const grid = document.getElementById('grid');
      let updates = 0;
      function field(dl, key, label, value) {
        dl.appendChild(HZ.el('dt', null, label));
        const dd = HZ.el('dd', { 'data-f': key }, value);
        dl.appendChild(dd);
        return dd;
      }
      function card(s) {
        const li = HZ.el('li', { 'class': 'card station conn-' + s.connection + (s.frozen ? ' frozen' : '') + (s.paused ? ' paused' : ''),
                                 'data-attempt': s.attempt, 'data-connection': s.connection, 'data-student': s.student });
        const h = HZ.el('h2', { 'class': 'card-title' });
        h.appendChild(HZ.el('a', { href: HZ.withLang('/teacher/attempts/' + HZ.enc(s.attempt)) }, s.studentName ? s.studentName + ' (' + s.student + ')' : s.student));
        li.appendChild(h);
        if (s.frozen) li.appendChild(HZ.el('p', { 'class': 'badge badge-frozen' }, t('❄ 已冻结', '❄ frozen')));
        if (s.paused) li.appendChild(HZ.el('p', { 'class': 'badge badge-paused' }, t('⏸ 已暂停', '⏸ paused')));
        const dl = HZ.el('dl');
        field(dl, 'workstation', t('工位', 'Station'), s.workstation);
        field(dl, 'scenario', t('场景', 'Scenario'), s.scenario);
        field(dl, 'mode', t('模式', 'Mode'), HZ.modes[s.mode] || s.mode);
        field(dl, 'time', t('仿真时间', 'Sim time'), HZ.clock(s.simSeconds));
        field(dl, 'step', t('步骤', 'Step'), s.stepIndex >= 0 ? (s.stepIndex + 1) + '/' + s.stepsTotal + ' ' + HZ.title(s.stepTitle) : s.stepsDone + '/' + s.stepsTotal);
        field(dl, 'alarms', t('报警', 'Alarms'), (s.alarms || []).join(', ') || '—');
        field(dl, 'hazards', t('危险', 'Hazards'), (s.hazards || []).join(', ') || '—');
        field(dl, 'accidents', t('事故', 'Accidents'), (s.accidents || []).join(', ') || '—');
        if (s.mode !== 'exam' && s.score !== null && s.score !== undefined) field(dl, 'score', t('得分', 'Score'), s.score + '/' + s.maxScore);
        const flags = [];
        if (s.frozen) flags.push(t('已冻结', 'frozen'));
        if (s.paused) flags.push(t('已暂停', 'paused'));
        field(dl, 'clock', t('状态', 'State'), flags.length ? flags.join(', ') : (s.finished ? t('已结束', 'ended') : t('运行', 'running')));
        const dd = field(dl, 'connection', t('连接', 'Connection'));
        dd.appendChild(HZ.el('span', { 'class': 'conn conn-' + s.connection }, HZ.connections[s.connection] || s.connection));
        li.appendChild(dl);
        return li;
      }
      function render(data) {
        const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('li.station') : null;
        const keep = focused ? focused.getAttribute('data-attempt') : null;
        const frag = document.createDocumentFragment();
        for (const s of data.stations || []) frag.appendChild(card(s));
        grid.replaceChildren(frag);
        const none = document.getElementById('no-stations');
        if (none) none.hidden = (data.stations || []).length > 0;
        const working = {};
        (data.stations || []).forEach(function (s) { working[s.student] = true; });
        document.querySelectorAll('#idle li[data-student]').forEach(function (li) { li.hidden = !!working[li.getAttribute('data-student')]; });
        if (keep) { const a = grid.querySelector('li[data-attempt="' + CSS.escape(keep) + '"] a'); if (a) a.focus(); }
        updates += 1;
        document.body.setAttribute('data-updates', String(updates));
      }
      const url = '/api/classes/' + HZ.enc(klass) + '/live' + (task ? '?task=' + HZ.enc(task) : '');
      const es = new EventSource(url);
      es.addEventListener('grid', function (ev) {
        try { render(JSON.parse(ev.data)); HZ.say('feed-state', t('实时更新中', 'Live') + ' · ' + new Date().toLocaleTimeString()); }
        catch (e) { HZ.say('feed-state', t('收到无法解析的数据', 'Unreadable update received'), true); }
      });
      es.addEventListener('error', function () { HZ.say('feed-state', t('实时数据中断，正在重连…', 'Live feed interrupted: reconnecting…'), true); });
      HZ.counted('class-message');
      // A station skipped by a class command: the student's name (from its card) and why, in words
      // (from the refusal's machine code; the English reason goes in the tooltip).
      function who(attempt) {
        const a = grid.querySelector('li[data-attempt="' + CSS.escape(attempt) + '"] .card-title');
        return a ? a.textContent : attempt;
      }
      function why(code) {
        if (code === 'teaching-only') return t('非教学模式（练习/考核不冻结）', 'not a teaching station (practice and exams are not frozen)');
        if (code === 'exam-no-intervention') return t('考核模式不接受此命令', 'an exam does not take this command');
        if (code === 'finished') return t('已结束', 'ended');
        return t('被拒绝', 'refused');
      }
      document.querySelectorAll('[data-class-kind]').forEach(function (b) {
        b.addEventListener('click', async function () {
          const kind = b.getAttribute('data-class-kind');
          if (kind === 'message' && !HZ.fits('class-message', 'command-result')) return;
          const body = { kind: kind, text: kind === 'message' ? document.getElementById('class-message').value : '' };
          if (kind === 'pause') body.text = t('全班暂停（突发情况）', 'class paused (incident)');
          if (task) body.task = task;
          const r = await HZ.api('POST', '/api/classes/' + HZ.enc(klass) + '/commands', body);
          if (!r.ok) { HZ.say('command-result', HZ.refusal(r), true); return; }
          if (kind === 'message') { document.getElementById('class-message').value = ''; document.getElementById('class-message').dispatchEvent(new Event('input')); }
          const sent = (r.json.commands || []).length;
          const skipped = (r.json.skipped || []).map(function (x) { return who(x.attempt) + t('：', ': ') + why(x.code || ''); });
          HZ.say('command-result', t('已发送给 ', 'Sent to ') + sent + t(' 个工位', ' stations') + (skipped.length ? t('；未发送：', '; not sent: ') + skipped.join(t('；', '; ')) : ''));
          const res = document.getElementById('command-result');
          if (res && skipped.length) res.setAttribute('title', (r.json.skipped || []).map(function (x) { return x.attempt + ': ' + x.reason; }).join('\n'));
        });
      });
    })();
    """#

    static let station = #"""
    'use strict';
    (function () {
      const t = HZ.t, attempt = document.body.dataset.attempt, mode = document.body.dataset.mode;
      const base = '/api/attempts/' + HZ.enc(attempt);
      const series = {};
      let polls = 0;
      function trend(g) {
        const fig = document.querySelector('figure[data-gauge="' + CSS.escape(g.id) + '"]');
        if (!fig) return;
        const v = fig.querySelector('.gval');
        if (v) v.textContent = (g.failed ? t('故障 ', 'failed ') : '') + HZ.gauge(g.value, g.unit);
        const line = fig.querySelector('polyline');
        if (!line) return;
        const s = series[g.id] || (series[g.id] = []);
        s.push(Number(g.value));
        if (s.length > 150) s.shift();
        let lo = Math.min.apply(null, s), hi = Math.max.apply(null, s);
        if (hi - lo < 1e-9) { hi += 1; lo -= 1; }
        line.setAttribute('points', s.map(function (y, i) { return (i * 2).toFixed(1) + ',' + (56 - (y - lo) / (hi - lo) * 52).toFixed(1); }).join(' '));
      }
      function render(j) {
        HZ.setText('st-time', HZ.clock(j.simSeconds));
        HZ.setText('st-step', j.stepIndex >= 0 ? (j.stepIndex + 1) + '/' + j.stepsTotal + ' ' + HZ.title(j.stepTitle) : j.stepsDone + '/' + j.stepsTotal);
        if (j.score !== null && j.score !== undefined) HZ.setText('st-score', j.score + '/' + j.maxScore);
        HZ.setText('st-alarms', (j.alarms || []).join(', ') || '—');
        HZ.setText('st-hazards', (j.hazards || []).join(', ') || '—');
        HZ.setText('st-accidents', (j.accidents || []).join(', ') || '—');
        const flags = [];
        if (j.frozen) flags.push(t('已冻结', 'frozen'));
        if (j.paused) flags.push(t('已暂停', 'paused'));
        HZ.setText('st-clock', flags.length ? flags.join(', ') : (j.finished ? t('已结束', 'ended') : t('运行', 'running')));
        HZ.setText('st-connection', HZ.connections[j.connection] || j.connection || '');
        offline(j.connection === 'offline' && !j.finished);
        HZ.paintPlan(j.equipment);
        (j.gauges || []).forEach(trend);
        HZ.checklist(j.checklist);
        const ol = document.getElementById('events');
        if (ol && j.events) {
          const frag = document.createDocumentFragment();
          j.events.slice().reverse().forEach(function (e) {
            frag.appendChild(HZ.el('li', { 'data-kind': e.kind }, HZ.clock(e.tick * (j.simSeconds / Math.max(1, j.tick))) + ' · tick ' + e.tick + ' · ' + HZ.kind(e.kind) + (e.subject ? ' · ' + e.subject : '')));
          });
          ol.replaceChildren(frag);
        }
        polls += 1;
        document.body.setAttribute('data-polls', String(polls));
        document.body.setAttribute('data-tick', String(j.tick));
      }
      // The instructor's commands and their delivery (queued, sent, journaled by the station).
      const commandStates = { queued: t('排队中', 'queued'), sent: t('已发送', 'sent'), journaled: t('已记入日志', 'journaled') };
      let commandsPending = true;
      async function loadCommands() {
        const ol = document.getElementById('commands');
        if (!ol) return;
        const r = await HZ.api('GET', base + '/commands');
        if (!r.ok) { ol.replaceChildren(HZ.el('li', { 'class': 'error' }, HZ.refusal(r))); return; }
        const list = r.json.commands || [];
        const frag = document.createDocumentFragment();
        list.slice().reverse().forEach(function (c) {
          frag.appendChild(HZ.el('li', { 'data-command': String(c.id), 'data-state': c.state },
            '#' + c.id + ' · ' + HZ.kind(c.verb) + (c.target ? ' ' + c.target : '') + (c.text ? ' “' + c.text + '”' : '') + ' · ' + c.by + ' · ' + (commandStates[c.state] || c.state)));
        });
        if (!list.length) frag.appendChild(HZ.el('li', { 'class': 'note' }, t('还没有发送命令。', 'No command sent yet.')));
        ol.replaceChildren(frag);
        commandsPending = list.some(function (c) { return c.state !== 'journaled'; });
      }
      async function poll() {
        const r = await HZ.api('GET', base + '/live');
        if (r.ok) render(r.json); else HZ.setText('st-connection', HZ.refusal(r));
        if (commandsPending) await loadCommands();
        setTimeout(poll, 1000);
      }
      poll();
      async function loadFaults() {
        const sel = document.getElementById('fault');
        if (!sel) return;
        const r = await HZ.api('GET', base + '/faults');
        sel.replaceChildren();
        if (!r.ok) { sel.appendChild(HZ.el('option', { value: '' }, t('（无法加载故障：', '(cannot load faults: ') + (r.json.error || r.status) + ')')); return; }
        const list = r.json.faults || [];
        if (!list.length) sel.appendChild(HZ.el('option', { value: '' }, t('（本场景没有教师可触发的故障）', '(no instructor faults in this scenario)')));
        list.forEach(function (f) { sel.appendChild(HZ.el('option', { value: f.id }, (HZ.title(f.description) || f.id) + ' (' + f.id + ')')); });
      }
      loadFaults();
      function value(id) { const e = document.getElementById(id); return e ? e.value : ''; }
      // A dead workstation: commands cannot reach it, so the controls are disabled with a note, and 作废 is offered.
      let isOffline = false;
      function offline(on) {
        isOffline = on;
        const box = document.getElementById('offline-box');
        if (box) box.hidden = !on;
        document.querySelectorAll('#intervene button[data-kind]').forEach(function (b) { b.disabled = on; });
        document.body.setAttribute('data-offline', on ? 'true' : 'false');
      }
      const voidButton = document.getElementById('void');
      if (voidButton) voidButton.addEventListener('click', async function () {
        const reason = value('void-reason').trim();
        if (!reason) { HZ.say('command-result', t('请填写作废原因（记入审计日志）。', 'Say why (it goes into the audit log).'), true); document.getElementById('void-reason').focus(); return; }
        if (!window.confirm(t('确定作废本次记录？此操作记入审计日志，不能撤销。', 'Void this attempt? This is audited and cannot be undone.'))) return;
        const r = await HZ.api('POST', base + '/void', { reason: reason });
        if (!r.ok) { HZ.say('command-result', HZ.refusal(r), true); return; }
        HZ.say('command-result', t('已作废。', 'Voided.'));
      });
      HZ.counted('message'); HZ.counted('hint-text');
      // The chosen step's hint cost (the rubric's), said beside 发送提示.
      const hintStep = document.getElementById('hint-step'), hintCost = document.getElementById('hint-cost');
      function costNote() {
        const o = hintStep && hintStep.selectedOptions[0];
        if (o && hintCost) hintCost.textContent = t('注意：提示将按评分规则扣分（本步骤每次 ', 'Note: a hint costs the student points under the rubric (this step: ') +
          (o.getAttribute('data-cost') || '0') + t(' 分）。', ' per hint).');
      }
      if (hintStep) { hintStep.addEventListener('change', costNote); costNote(); }
      const boxes = { message: 'message', hint: 'hint-text', pause: 'pause-reason' };
      document.querySelectorAll('#intervene button[data-kind]').forEach(function (b) {
        b.addEventListener('click', async function () {
          const kind = b.getAttribute('data-kind');
          if (isOffline) return;
          if (boxes[kind] && !HZ.fits(boxes[kind], 'command-result')) return;
          const body = { kind: kind, target: '', text: '' };
          if (kind === 'fault' || kind === 'clear') body.target = value('fault');
          if (kind === 'message') body.text = value('message');
          if (kind === 'hint') { body.target = value('hint-step'); body.text = value('hint-text'); }
          if (kind === 'pause') body.text = value('pause-reason');
          b.disabled = true;
          const r = await HZ.api('POST', base + '/commands', body);
          b.disabled = false;
          if (!r.ok) { HZ.say('command-result', HZ.refusal(r), true); return; }
          const c = r.json.command || {};
          // Sent: the box is cleared for the next one.
          if (boxes[kind]) { const box = document.getElementById(boxes[kind]); if (box) { box.value = ''; box.dispatchEvent(new Event('input')); } }
          HZ.say('command-result', t('已发送：命令 #', 'Sent: command #') + c.id + ' ' + HZ.kind(c.verb || kind) + ' · ' + (commandStates[c.state] || c.state || ''));
          commandsPending = true;
          loadCommands();
        });
      });
    })();
    """#

    static let debrief = #"""
    'use strict';
    (function () {
      const t = HZ.t, attempt = document.body.dataset.attempt, end = Number(document.body.dataset.endTick || 0);
      const base = '/api/attempts/' + HZ.enc(attempt);
      const slider = document.getElementById('tick'), num = document.getElementById('tick-number');
      let timer = null, wanted = 0, seq = 0;
      function render(j, tick) {
        HZ.setText('tick-out', tick + ' / ' + end + ' · ' + HZ.clock(j.simSeconds));
        HZ.setText('at-hash', j.stateHash);
        HZ.setText('st-time', HZ.clock(j.simSeconds));
        HZ.setText('st-step', HZ.stepText(j.checklist));
        HZ.setText('st-score', j.score + '/' + j.maxScore);
        HZ.setText('st-alarms', (j.alarms || []).join(', ') || '—');
        HZ.setText('st-hazards', (j.hazards || []).join(', ') || '—');
        HZ.setText('st-clock', j.ended ? t('已结束：', 'ended: ') + j.endReason : t('运行', 'running'));
        HZ.paintPlan(j.equipment);
        (j.gauges || []).forEach(function (g) {
          const fig = document.querySelector('figure[data-gauge="' + CSS.escape(g.id) + '"] .gval');
          if (fig) fig.textContent = HZ.gauge(g.value, g.unit);
        });
        HZ.checklist(j.checklist);
        const ol = document.getElementById('deductions');
        if (ol) {
          const frag = document.createDocumentFragment();
          (j.deductions || []).forEach(function (d) {
            frag.appendChild(HZ.el('li', null, 'tick ' + d.tick + ' · ' + HZ.kind(d.cause) + (d.subject ? ' · ' + d.subject : '') + ' · −' + d.points + (d.veto ? t('（否决）', ' (veto)') : '')));
          });
          ol.replaceChildren(frag);
        }
        document.body.setAttribute('data-shown-tick', String(tick));
        document.body.setAttribute('data-shown-hash', j.stateHash);
      }
      // The second column: a classmate's attempt or a model run at the same simulated time.
      const pick = document.getElementById('compare'), col = document.getElementById('compare-col');
      const rate = Number(document.body.dataset.tickRate || 1), scenario = document.body.dataset.scenario || '';
      let cmpEnd = null, cmpSeq = 0, shown = null;
      function cmpBase() {
        const v = pick ? pick.value : '';
        if (v.indexOf('run:') === 0) return '/api/scenarios/' + HZ.enc(scenario) + '/runs/' + HZ.enc(v.slice(4)) + '/at';
        if (v.indexOf('attempt:') === 0) return '/api/attempts/' + HZ.enc(v.slice(8)) + '/at';
        return null;
      }
      function list(id, items, text) {
        const ol = document.getElementById(id);
        if (!ol) return;
        const frag = document.createDocumentFragment();
        (items || []).forEach(function (x) { const li = HZ.el('li', null, text(x)); if (x.done) li.setAttribute('data-done', 'true'); frag.appendChild(li); });
        ol.replaceChildren(frag);
      }
      async function showCompare(simSeconds) {
        const b = cmpBase(), mine = ++cmpSeq;
        document.querySelector('.side-by-side').classList.toggle('two', !!b);
        if (!b) { col.hidden = true; document.body.removeAttribute('data-compare-hash'); return; }
        col.hidden = false;
        if (cmpEnd === null) {
          const r0 = await HZ.api('GET', b + '?tick=0');
          if (mine !== cmpSeq) return;
          if (!r0.ok) { HZ.say('debrief-error', r0.json.error || ('HTTP ' + r0.status), true); return; }
          cmpEnd = Number(r0.json.endTick || 0);
        }
        const tick = Math.max(0, Math.min(cmpEnd, Math.round(Number(simSeconds || 0) * rate)));
        const r = await HZ.api('GET', b + '?tick=' + tick);
        if (mine !== cmpSeq) return;
        if (!r.ok) { HZ.say('debrief-error', r.json.error || ('HTTP ' + r.status), true); return; }
        const j = r.json;
        HZ.setText('cmp-tick', tick + ' / ' + cmpEnd);
        HZ.setText('cmp-time', HZ.clock(j.simSeconds));
        HZ.setText('cmp-step', HZ.stepText(j.checklist));
        HZ.setText('cmp-score', j.score + '/' + j.maxScore);
        HZ.setText('cmp-hash', j.stateHash);
        list('cmp-plan', j.equipment, function (e) { return e.id + ': ' + e.state + (e.value === null || e.value === undefined ? '' : ' ' + Number(e.value).toPrecision(4)); });
        list('cmp-checklist', j.checklist, function (c) { return (c.done ? '✓ ' : (c.started ? '… ' : '○ ')) + HZ.t(c.title.zh, c.title.en) + ' ' + c.score + '/' + c.max; });
        list('cmp-deductions', j.deductions, function (d) { return 'tick ' + d.tick + ' · ' + d.cause + (d.subject ? ' · ' + d.subject : '') + ' · −' + d.points + (d.veto ? t('（否决）', ' (veto)') : ''); });
        document.body.setAttribute('data-compare-tick', String(tick));
        document.body.setAttribute('data-compare-hash', j.stateHash);
      }
      if (pick) pick.addEventListener('change', function () { cmpEnd = null; showCompare(shown ? shown.simSeconds : 0); });
      // Backtrack: a new practice attempt for the same student from the moment shown.
      const back = document.getElementById('backtrack');
      if (back) back.addEventListener('click', async function () {
        const tick = Number(document.body.getAttribute('data-shown-tick') || 0);
        const r = await HZ.api('POST', base + '/backtrack', { tick: tick });
        if (!r.ok) { HZ.say('command-result', (r.json.error || t('被拒绝', 'Refused')) + ' (' + r.status + ')', true); return; }
        document.body.setAttribute('data-backtrack', r.json.backtrack || '');
        HZ.say('command-result', t('已布置练习 ', 'Practice offered: ') + r.json.backtrack + t('（从 tick ', ' (from tick ') + r.json.fromTick +
          t('；学生登录工位后在任务列表中打开）', '; the student opens it from the task list at a workstation)'));
      });
      async function show(tick) {
        const mine = ++seq;
        const r = await HZ.api('GET', base + '/at?tick=' + tick);
        if (mine !== seq) return;
        if (!r.ok) { HZ.say('debrief-error', HZ.refusal(r), true); return; }
        HZ.say('debrief-error', '');
        render(r.json, tick);
        shown = r.json;
        showCompare(r.json.simSeconds);
      }
      function go(tick) {
        tick = Math.max(0, Math.min(end, Math.round(Number(tick) || 0)));
        wanted = tick; slider.value = String(tick); num.value = String(tick);
        clearTimeout(timer);
        timer = setTimeout(function () { show(wanted); }, 120);
      }
      slider.addEventListener('input', function () { go(slider.value); });
      // A typed tick must be a whole number in range: else it is said, not silently clamped.
      num.addEventListener('change', function () {
        const text = String(num.value).trim();
        if (!/^[0-9]+$/.test(text) || Number(text) > end) {
          HZ.say('debrief-error', t('时刻必须是 0 到 ', 'The tick must be a whole number from 0 to ') + end + t(' 之间的整数（输入的是“', ' (you typed "') + (text || num.validationMessage || '') + t('”）。', '").'), true);
          num.setAttribute('aria-invalid', 'true');
          return;
        }
        num.removeAttribute('aria-invalid');
        go(text);
      });
      document.querySelectorAll('#teacher-jumps button[data-tick]').forEach(function (b) { b.addEventListener('click', function () { go(b.getAttribute('data-tick')); }); });
      async function jumps() {
        const r = await HZ.api('GET', base + '/at?tick=' + end);
        const box = document.getElementById('jumps');
        if (!r.ok || !box) return;
        const kinds = ['fault', 'hazard', 'alarm', 'accident', 'violation', 'action-rejected', 'trip', 'end'];
        const items = [];
        (r.json.events || []).forEach(function (e) { if (kinds.indexOf(e.kind) >= 0) items.push({ tick: e.tick, kind: e.kind, text: HZ.kind(e.kind) + (e.subject ? ' ' + e.subject : '') }); });
        (r.json.deductions || []).forEach(function (d) { items.push({ tick: d.tick, kind: 'deduction', text: t('扣分 ', 'deduction ') + HZ.kind(d.cause) + (d.subject ? ' ' + d.subject : '') + ' −' + d.points }); });
        items.sort(function (a, b) { return a.tick - b.tick; });
        const frag = document.createDocumentFragment();
        items.slice(0, 300).forEach(function (it) {
          const b = HZ.el('button', { type: 'button', 'class': 'k-' + it.kind, 'data-tick': String(it.tick) }, 'tick ' + it.tick + ' · ' + it.text);
          b.addEventListener('click', function () { go(it.tick); });
          frag.appendChild(b);
        });
        if (!items.length) frag.appendChild(HZ.el('p', { 'class': 'note' }, t('没有事件或扣分。', 'No events or deductions.')));
        box.replaceChildren(frag);
      }
      jumps();
      show(0);
    })();
    """#

    static let exams = #"""
    'use strict';
    (function () {
      const t = HZ.t, klass = document.body.dataset.class;
      const list = document.getElementById('exam-list');
      function checked(name) { return Array.prototype.map.call(document.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; }); }
      function iso(id) { const v = document.getElementById(id).value; return v ? new Date(v).toISOString() : null; }
      async function act(method, path, body, done) {
        const r = await HZ.api(method, path, body);
        if (!r.ok) { HZ.say('command-result', HZ.refusal(r), true); return null; }
        if (done) HZ.say('command-result', done);
        return r.json;
      }
      // The words for an exam's state, a result's state and grade (the API's values stay in data-state).
      const examStates = { open: t('进行中', 'open'), closed: t('未开始（或已暂停）', 'closed'), ended: t('已结束', 'ended') };
      const rowStates = { 'not-started': t('未开始', 'not started'), issued: t('已下发', 'issued'), streaming: t('作答中', 'in progress'),
                          finished: t('待评分', 'grading pending'), graded: t('已评分', 'graded') };
      const grades = { excellent: t('优', 'excellent'), good: t('良', 'good'), pass: t('中', 'pass'), fail: t('差', 'fail') };
      // Names, not ids: the roster's names from the form's checkboxes.
      const names = {};
      document.querySelectorAll('input[name="students"]').forEach(function (i) { names[i.value] = i.getAttribute('data-name') || ''; });
      function person(id) { return names[id] ? names[id] + ' (' + id + ')' : id; }
      // The scenarios' titles in the page's language (from the form's checkboxes).
      const titles = {};
      document.querySelectorAll('input[name="scenarios"]').forEach(function (i) { titles[i.value] = i.getAttribute('data-title') || i.value; });
      function local(iso) { if (!iso) return ''; const d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString(HZ.lang === 'en' ? 'en-GB' : 'zh-CN'); }
      function results(box, rows) {
        const table = HZ.el('table', { 'class': 'results' });
        const head = HZ.el('tr');
        [t('学生', 'Student'), t('场景', 'Scenario'), t('状态', 'State'), t('得分', 'Score'), t('等级', 'Grade'), t('已发布', 'Published'), t('标记', 'Flags')]
          .forEach(function (h) { head.appendChild(HZ.el('th', null, h)); });
        table.appendChild(head);
        rows.forEach(function (x) {
          const tr = HZ.el('tr', { 'data-attempt': x.attempt || '', 'data-student': x.student, 'data-state': x.state, 'data-scenario': x.scenario,
                                   'data-published': x.published ? 'true' : 'false' });
          [person(x.student), titles[x.scenario] || x.scenario, rowStates[x.state] || x.state, x.score === null || x.score === undefined ? '—' : x.score + '/' + x.maxScore, grades[x.grade] || x.grade || '—',
           x.published ? t('是', 'yes') : t('否', 'no'), (x.flags || []).join(', ')].forEach(function (v) { tr.appendChild(HZ.el('td', null, v)); });
          table.appendChild(tr);
        });
        box.replaceChildren(table);
      }
      // Publishing is shown to the students at once: a confirm step in the page (buttons, keyboard reachable), then the results reload.
      function confirmPublish(x, box) {
        const old = box.querySelector('.confirm');
        if (old) old.remove();
        const c = HZ.el('div', { 'class': 'confirm card', role: 'alertdialog', 'aria-label': t('确认发布', 'Confirm publishing') });
        c.appendChild(HZ.el('p', null, t('发布后学生即可看到成绩，不能撤回。确定发布“', 'Students see the results once published; this cannot be undone. Publish "') + (x.title || x.task) + t('”的成绩？', '"?')));
        const yes = HZ.el('button', { type: 'button', 'class': 'confirm-yes' }, t('确定发布', 'Publish now'));
        const no = HZ.el('button', { type: 'button', 'class': 'confirm-no' }, t('取消', 'Cancel'));
        yes.addEventListener('click', async function () {
          c.remove();
          const j = await act('POST', '/api/exams/' + HZ.enc(x.task) + '/publish', {});
          if (!j) return;
          HZ.say('command-result', t('已发布 ', 'Published ') + (j.published || []).length + ((j.skipped || []).length ? t('；跳过 ', '; skipped ') + j.skipped.map(function (s) { return s.attempt + ': ' + s.reason; }).join('; ') : ''));
          const again = await act('GET', '/api/exams/' + HZ.enc(x.task) + '/results');
          if (again) results(box, again.results || []);
        });
        no.addEventListener('click', function () { c.remove(); HZ.say('command-result', t('已取消发布。', 'Publishing cancelled.')); });
        c.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') no.click(); });
        c.appendChild(yes); c.appendChild(no);
        box.prepend(c);
        yes.focus();
      }
      function examCard(x) {
        const li = HZ.el('li', { 'class': 'card', 'data-task': x.task, 'data-state': x.state });
        li.appendChild(HZ.el('h3', null, (x.title || x.task) + ' · ' + (examStates[x.state] || x.state)));
        li.appendChild(HZ.el('p', { 'class': 'note' }, t('场景：', 'Scenarios: ') + (x.scenarios || [x.scenario]).map(function (c) { return titles[c] || c; }).join(', ') + ' · ' + t('考生 ', 'students ') + (x.students || []).length +
          ' · ' + t('工位 ', 'stations ') + ((x.workstations || []).join(', ') || t('任意', 'any'))));
        if (x.opens || x.closes) li.appendChild(HZ.el('p', { 'class': 'note window' }, t('时间：', 'Window: ') + (local(x.opens) || t('随时', 'any time')) + ' — ' + (local(x.closes) || t('不限', 'open-ended'))));
        const box = HZ.el('div', { 'class': 'exam-results' });
        const buttons = [
          [t('开始', 'Start'), function () { return act('POST', '/api/tasks/' + HZ.enc(x.task) + '/open', undefined, t('已开始', 'Started')).then(load); }],
          [t('结束并交卷', 'End and submit'), function () { return act('POST', '/api/exams/' + HZ.enc(x.task) + '/end', undefined).then(function (j) { if (j) HZ.say('command-result', t('已结束，交卷工位数：', 'Ended; stations submitted: ') + j.submitted); load(); }); }],
          [t('查看成绩', 'Results'), function () { return act('GET', '/api/exams/' + HZ.enc(x.task) + '/results').then(function (j) { if (j) results(box, j.results || []); }); }],
          [t('发布成绩', 'Publish'), function () { confirmPublish(x, box); }],
        ];
        // 开始 only while the exam is closed (an open exam is started; an ended one cannot be: 409).
        if (x.state !== 'closed') buttons.shift();
        const p = HZ.el('p');
        buttons.forEach(function (b) { const btn = HZ.el('button', { type: 'button' }, b[0]); btn.addEventListener('click', b[1]); p.appendChild(btn); });
        p.appendChild(HZ.el('a', { 'class': 'button', href: HZ.withLang('/teacher/classes/' + HZ.enc(klass) + '?task=' + HZ.enc(x.task)) }, t('实时监控', 'Watch live')));
        li.appendChild(p);
        li.appendChild(box);
        return li;
      }
      async function load() {
        const r = await HZ.api('GET', '/api/classes/' + HZ.enc(klass) + '/exams');
        if (!r.ok) { list.replaceChildren(HZ.el('p', { 'class': 'error' }, r.json.error || ('HTTP ' + r.status))); return; }
        const ul = HZ.el('ul', { 'class': 'exams' });
        (r.json.exams || []).forEach(function (x) { ul.appendChild(examCard(x)); });
        if (!(r.json.exams || []).length) ul.appendChild(HZ.el('li', { 'class': 'note' }, t('还没有考核。', 'No exam yet.')));
        list.replaceChildren(ul);
      }
      document.getElementById('exam-form').addEventListener('submit', async function (ev) {
        ev.preventDefault();
        const body = { title: document.getElementById('exam-title').value, scenarios: checked('scenarios'), opens: iso('exam-opens'), closes: iso('exam-closes') };
        // Say which field is missing before asking the server.
        if (!body.title.trim()) { HZ.say('command-result', t('请填写考核名称。', 'Give the exam a title.'), true); document.getElementById('exam-title').focus(); return; }
        if (!body.scenarios.length) { HZ.say('command-result', t('请至少选择一个场景（抽题范围）。', 'Tick at least one scenario to draw from.'), true); const f = document.querySelector('input[name="scenarios"]'); if (f) f.focus(); return; }
        const students = checked('students'), stations = checked('workstations');
        if (students.length) body.students = students;
        if (stations.length) body.workstations = stations;
        const j = await act('POST', '/api/classes/' + HZ.enc(klass) + '/exams', body, t('已创建', 'Created'));
        if (j) { document.getElementById('exam-form').reset(); load(); }
      });
      load();
    })();
    """#
}
