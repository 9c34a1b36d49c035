#!/usr/bin/env python3
"""The teacher station in a real browser (issue 15): headless Chromium driven by Selenium.

Starts a real `hazlab serve` on a fresh demo store (its own temp folder and port), registers two
more workstation keys, signs in as the demo teacher, and runs three real workstation processes
(`hazlab-viewer --offscreen --script … --server …`) as students s001–s003. Checks:

  * the live grid shows the stations as they appear, without a reload (server-sent events);
  * the station, projector, debrief, exams and class report pages render (a screenshot of each,
    checked not blank, with its key text present);
  * the debrief slider at a tick shows the state hash `hazlab run --trace` gives at that tick;
  * a student's browser gets 403 on /teacher pages and sees only their own /me page;
  * zh-CN text renders with a real CJK font (a CJK string is not as wide as the same count of
    "tofu" boxes).
  * intervention, through the pages: a fault injected from a running reactor-cooling-loss station's
    page into a real `--realtime` workstation (listed there as journaled), a freeze and a run from
    that page, a class freeze (已冻结 on the grid) and run from the grid; the fault's line with
    by/cmd is in the server's stored journal (the workstation's, byte for byte), and `hazlab run` of
    the stored journal reaches the trailer's hash with the fault fired;
  * a small exam through the exams page: create (two scenarios, three students), start, three
    workstations take it, an exam station's page has no fault/freeze and the API answers 409, end
    (the station still working is submitted), all graded, publish, the class report.

Screenshots go to $HAZLAB_ARTIFACTS (or a fresh folder under /tmp), kept as CI artefacts.
Needs Debian's chromium, chromium-driver and python3-selenium (Tools/setup.sh installs them).
Without them it skips with a message, except under CI (CI=1 or HAZLAB_BROWSER_REQUIRED=1), where
a missing browser is a failure.

Usage: python3 Tools/browser/teacher_test.py [--hazlab .build/debug/hazlab] [--viewer .build/debug/hazlab-viewer]
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED = os.environ.get("CI") not in (None, "", "0", "false") or os.environ.get("HAZLAB_BROWSER_REQUIRED") == "1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def skip(why):
    if REQUIRED:
        print(f"teacher_test: FAIL: {why} (required under CI)", file=sys.stderr)
        sys.exit(1)
    print(f"teacher_test: SKIP: {why}. Install Debian's chromium chromium-driver python3-selenium fonts-wqy-microhei "
          f"(bash Tools/setup.sh) to run the browser tests.")
    sys.exit(0)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    skip("python3-selenium is not installed")
if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    skip("chromium is not installed")
if not (os.path.exists(DRIVER) and os.access(DRIVER, os.X_OK)):
    skip("chromedriver (chromium-driver) is not installed")

# A safety net for waits (a broken page fails instead of hanging); no assertion is about speed.
PATIENCE = 90
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


class Lab:
    """A real `hazlab serve` on a fresh demo store in its own folder, on a port the kernel picks."""

    def __init__(self, hazlab, viewer):
        self.hazlab, self.viewer = hazlab, viewer
        self.dir = tempfile.mkdtemp(prefix="hazlab-browser-")
        self.config = os.path.join(self.dir, "lab.yaml")
        with open(self.config, "w") as f:
            f.write(f"bind: 127.0.0.1\nport: 0\nstore: {self.dir}/lab.sqlite\nscenarios: {ROOT}/Scenarios\n")
        self.run([hazlab, "lab", "demo", "--config", self.config, "--public", f"{ROOT}/Tools/demo-keys/ws-demo.pub"])
        self.keys = {"ws-demo": f"{ROOT}/Tools/demo-keys/ws-demo.key"}
        for ws in ("ws-02", "ws-03"):
            self.run([hazlab, "keys", "generate", "--id", ws, "--out", self.dir])
            self.run([hazlab, "lab", "workstation", "--config", self.config, "--public", f"{self.dir}/{ws}.pub"])
            self.keys[ws] = f"{self.dir}/{ws}.key"
        # A teaching task of a scenario with instructor faults (cw_pump_trip, tt101_freezes), set up on
        # the server machine as an administrator would (the pages have no task form).
        out = self.run([hazlab, "lab", "task", "--config", self.config, "--class", "demo-class", "--scenario", "reactor-cooling-loss",
                        "--mode", "teaching", "--title", "冷却中断教学"])
        self.cooling_task = out.split()[0]
        self.log = open(os.path.join(self.dir, "serve.err"), "w")
        self.proc = subprocess.Popen([hazlab, "serve", "--config", self.config], stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, cwd=ROOT, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not m:
            raise SystemExit(f"teacher_test: hazlab serve did not start: {line!r}")
        self.url = m.group(1)
        self.viewers = []

    def run(self, args):
        r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"teacher_test: {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
        return r.stdout

    def workstation(self, n, ws, student, scenario, script, realtime=False):
        """A real workstation process: signs the student in, takes a practice scenario (or the task
        `scenario` names), acts, submits. `realtime`: at wall-clock speed (it waits for the teacher)."""
        path = os.path.join(self.dir, f"{ws}.script")
        with open(path, "w") as f:
            f.write(f"type {student}\ntap tab\ntype demo-pass-1\ntap enter\nexpect tasks\nchoose {scenario}\nexpect session\n{script}")
        out = open(os.path.join(self.dir, f"viewer-{n}.out"), "w")
        p = subprocess.Popen([self.viewer, "--server", self.url, "--workstation", ws, "--key", self.keys[ws],
                              "--journals", os.path.join(self.dir, f"journals-{n}"), "--scenarios", f"{ROOT}/Scenarios",
                              "--offscreen", "--script", path] + (["--realtime"] if realtime else []), stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
        self.viewers.append((p, out.name))
        return p, out.name

    def stop(self):
        for p, _ in self.viewers:
            if p.poll() is None:
                p.kill()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


SCRIPT = """click-entity helmet
menu 1
wait 2
click-entity tank_farm
menu 1
wait 2
click-entity XV101
menu 1
wait 3
click-entity P101
menu 1
wait 4
click-entity P101
menu 2
submit
expect result
"""


def png_not_blank(path):
    """Decodes the PNG's image data (zlib) and counts distinct byte values: a blank page has a few."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, 0
    pos, idat = 8, b""
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    distinct = len(set(raw[::7]))
    return distinct > 24, distinct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hazlab", default=os.path.join(ROOT, ".build/debug/hazlab"))
    ap.add_argument("--viewer", default=os.path.join(ROOT, ".build/debug/hazlab-viewer"))
    args = ap.parse_args()
    for exe in (args.hazlab, args.viewer):
        if not os.access(exe, os.X_OK):
            raise SystemExit(f"teacher_test: {exe} not found: build first (swift build --build-tests)")
    shots = os.environ.get("HAZLAB_ARTIFACTS") or tempfile.mkdtemp(prefix="hazlab-teacher-shots-")
    shots = os.path.join(shots, "teacher") if os.environ.get("HAZLAB_ARTIFACTS") else shots
    os.makedirs(shots, exist_ok=True)

    started = time.monotonic()

    def phase(name):
        print(f"teacher_test: {name} done at {time.monotonic() - started:.0f} s")

    lab = Lab(args.hazlab, args.viewer)
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100", "--lang=zh-CN"):
        opts.add_argument(a)
    teacher = webdriver.Chrome(service=Service(DRIVER), options=opts)
    student = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        def wait(driver, cond, what):
            try:
                return WebDriverWait(driver, PATIENCE, poll_frequency=0.2).until(lambda d: cond(d))
            except Exception:
                check(False, f"{what} (page text: {driver.find_element(By.TAG_NAME, 'body').text[:400]!r})")
                return None

        def login(driver, user):
            driver.get(lab.url + "/teacher")
            wait(driver, lambda d: "/login" in d.current_url and d.find_elements(By.ID, "user"), "an unauthenticated visit goes to /login")
            driver.find_element(By.ID, "user").send_keys(user)
            driver.find_element(By.ID, "password").send_keys("demo-pass-1")
            driver.find_element(By.ID, "login-button").click()

        def shot(driver, name, must):
            path = os.path.join(shots, f"{name}.png")
            driver.save_screenshot(path)
            ok, distinct = png_not_blank(path)
            check(ok, f"screenshot {name}.png is not blank ({distinct} distinct byte values)")
            text = driver.find_element(By.TAG_NAME, "body").text
            for m in must:
                check(m in text, f"{name}: shows {m!r}")
            return path

        # The teacher signs in and opens the class's live grid (no station yet).
        login(teacher, "teacher")
        wait(teacher, lambda d: d.find_elements(By.ID, "classes"), "the teacher lands on /teacher")
        shot(teacher, "01-classes", ["我的班级", "演示班"])
        teacher.find_element(By.LINK_TEXT, "实时监控").click()
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-updates"), "the grid receives its first feed event")
        teacher.execute_script("window.__sameDocument = 'yes';")

        # Three real workstations act; the grid shows each as it appears, in the same document.
        runs = []
        # s003 takes a scenario with a site layout, so that its station page draws the live plan.
        stations = [("ws-demo", "s001", "tank-filling", SCRIPT), ("ws-02", "s002", "tank-filling", SCRIPT),
                    ("ws-03", "s003", "pump-lockout-tagout", "click-entity helmet\nmenu 1\nwait 3\nclick-entity gloves\nmenu 1\nwait 3\nsubmit\nexpect result\n")]
        for n, (ws, st, scenario, script) in enumerate(stations, start=1):
            runs.append(lab.workstation(n, ws, st, scenario, script))
            # Read in one script call: the feed may replace the cards between two WebDriver calls.
            wait(teacher, lambda d, st=st: st in d.execute_script("return document.getElementById('grid').textContent"),
                 f"the grid shows {st}'s station without a reload")
        for p, out in runs:
            p.wait(timeout=240)
            check(p.returncode == 0, f"workstation process {out} exited 0")
        cards = wait(teacher, lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.station[data-connection=submitted]")) == 3 and
                     d.find_elements(By.CSS_SELECTOR, "li.station"), "all three stations end up submitted")
        check(teacher.execute_script("return window.__sameDocument") == "yes", "the grid updated without reloading the page")
        check(int(teacher.find_element(By.TAG_NAME, "body").get_attribute("data-updates") or 0) >= 3, "the grid got several live updates")
        grid_text = teacher.execute_script("return document.getElementById('grid').innerText")
        for name in ("张三", "李四", "王五", "已交卷", "pump-lockout-tagout"):
            check(name in grid_text, f"the grid shows {name}")
        shot(teacher, "02-grid", ["实时监控", "张三", "李四", "王五", "已交卷"])

        # Keyboard: the first card's link is reachable by Tab and shows a focus ring.
        first_link = teacher.find_element(By.CSS_SELECTOR, "li.station h2 a")
        attempt = teacher.execute_script(
            "return [...document.querySelectorAll('li.station')].find(c => c.textContent.includes('s003')).getAttribute('data-attempt')")
        first_link.send_keys("")
        check(teacher.switch_to.active_element == first_link, "a station card's link takes keyboard focus")

        # Station, projector, debrief.
        teacher.get(f"{lab.url}/teacher/attempts/{attempt}")
        wait(teacher, lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-polls") or 0) >= 2, "the station page polls its live state")
        shot(teacher, "03-station", ["工位详情", "教师干预", "检查表", "仪表趋势", "事件记录"])
        check(len(teacher.find_elements(By.CSS_SELECTOR, "#plan svg [data-state]")) > 0, "the station page draws the live plan with equipment states")
        teacher.get(f"{lab.url}/teacher/attempts/{attempt}/projector")
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-polls"), "the projector view polls")
        shot(teacher, "04-projector", ["投屏", "仿真时间"])
        # The projector fits the screen (here a 1400×957 viewport): no scrolling, no navigation, no sign-out.
        fit = teacher.execute_script("return [document.documentElement.scrollHeight, window.innerHeight, document.documentElement.scrollWidth, window.innerWidth]")
        check(fit[0] <= fit[1] + 1 and fit[2] <= fit[3] + 1, f"the projector view fits the viewport without scrolling {fit}")
        check(not teacher.find_elements(By.CSS_SELECTOR, "nav, #sign-out"), "the projector view has no navigation bar or sign-out")

        teacher.get(f"{lab.url}/teacher/attempts/{attempt}/debrief")
        end = int(teacher.find_element(By.TAG_NAME, "body").get_attribute("data-end-tick"))
        tick = max(1, end // 2)
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-shown-tick") == "0", "the debrief shows tick 0")
        box = teacher.find_element(By.ID, "tick-number")
        box.clear()
        box.send_keys(str(tick))
        box.send_keys("\t")
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-shown-tick") == str(tick), f"the debrief moves to tick {tick}")
        journal, scenario = None, None
        for _, out in runs:
            with open(out) as f:
                m = re.search(rf"attempt: {attempt} (\S+) .*journal: (\S+\.jsonl)", f.read())
            if m:
                scenario, journal = m.group(1), m.group(2)
        trace = subprocess.run([args.hazlab, "run", f"{ROOT}/Scenarios/{scenario}", "--journal", journal, "--trace", str(tick)],
                               capture_output=True, text=True, cwd=ROOT).stdout if journal else ""
        m = re.search(rf"^tick {tick} ([0-9a-f]{{16}})$", trace, re.M)
        expected = m.group(1) if m else None
        shown = teacher.find_element(By.ID, "at-hash").text
        check(expected is not None and shown == expected, f"the debrief at tick {tick} shows hazlab run's state hash ({shown} vs {expected})")
        slider = teacher.find_element(By.ID, "tick")
        check(slider.get_attribute("max") == str(end), "the slider spans the whole attempt")
        wait(teacher, lambda d: d.find_elements(By.CSS_SELECTOR, "#jumps button"), "the debrief lists jump buttons")
        jumps = teacher.find_elements(By.CSS_SELECTOR, "#jumps button")
        if jumps:
            target = jumps[0].get_attribute("data-tick")
            jumps[0].click()
            wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-shown-tick") == target, "a jump button moves the slider")
        shot(teacher, "05-debrief", ["复盘", "检查表", "跳转"])
        # A tick typed out of range is said to be wrong, not silently clamped; the shown tick stays.
        before = teacher.find_element(By.TAG_NAME, "body").get_attribute("data-shown-tick")
        box = teacher.find_element(By.ID, "tick-number")
        box.clear()
        box.send_keys(str(end + 5), Keys.TAB)
        wait(teacher, lambda d: "时刻必须是 0 到" in d.find_element(By.ID, "debrief-error").text, "an out-of-range tick is refused in words")
        check(teacher.find_element(By.TAG_NAME, "body").get_attribute("data-shown-tick") == before, "an out-of-range tick moves nothing")

        teacher.get(f"{lab.url}/teacher/classes/demo-class/exams")
        shot(teacher, "06-exams", ["考核组织", "新建考核"])
        teacher.get(f"{lab.url}/teacher/classes/demo-class/report")
        shot(teacher, "07-class-report", ["班级成绩分析报告"])
        teacher.get(f"{lab.url}/teacher/classes/demo-class?lang=en")
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-updates"), "the English grid receives the feed")
        shot(teacher, "08-grid-en", ["Live view", "submitted"])

        # The zh-CN font check: two different Chinese characters drawn in the page's font must differ
        # from each other and from a "tofu" box (a missing CJK font draws the same box for all).
        glyphs = teacher.execute_script("""
            const font = getComputedStyle(document.body).fontFamily;
            const draw = t => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
                                const x = c.getContext('2d'); x.font = '48px ' + font; x.fillStyle = '#000'; x.fillText(t, 4, 52);
                                return c.toDataURL(); };
            return [draw('教'), draw('站'), draw('\\u{10FFFD}')];""")
        check(len(set(glyphs)) == 3, "Chinese glyphs render with a CJK font (教 and 站 differ from each other and from a tofu box)")

        phase("grid, station, projector, debrief, exams, report, font")
        # ---- Intervention (issue 15, "Intervention"), through the station page and the grid ----
        # s001 takes the teaching task of reactor-cooling-loss at wall-clock speed and waits for the
        # teacher: a fault, a freeze and a run from the station page, a class freeze and run from the grid.
        teacher.set_script_timeout(30)

        def api(method, path, body=None):
            """A request from the teacher's page with its session and CSRF token: for checks only."""
            r = teacher.execute_async_script("""
                const [m, p, b, done] = arguments;
                const meta = document.querySelector('meta[name="csrf-token"]');
                const opt = { method: m, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
                if (m !== 'GET') opt.headers['X-CSRF-Token'] = meta ? meta.content : '';
                if (b !== null) { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(b); }
                fetch(p, opt).then(r => r.text().then(t => done([r.status, t]))).catch(e => done([0, String(e)]));""", method, path, body)
            try:
                return r[0], json.loads(r[1])
            except ValueError:
                return r[0], {"raw": r[1]}

        def body_text(driver):
            return driver.execute_script("return document.body.innerText")

        def by_text(driver, css, text):
            for e in driver.find_elements(By.CSS_SELECTOR, css):
                if text in e.text:
                    return e
            return None

        def journaled(attempt, cid):
            status, j = api("GET", f"/api/attempts/{attempt}/commands")
            return any(c.get("id") == cid and c.get("state") == "journaled" for c in j.get("commands", []))

        teacher.get(f"{lab.url}/teacher/classes/demo-class")
        wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-updates"), "the grid is live again")
        cooling = lab.workstation(4, "ws-demo", "s001", lab.cooling_task, "expect-commands 1\nexpect-commands 5\nwait 1\nsubmit\nexpect result\n", realtime=True)
        find_card = """return [...document.querySelectorAll('li.station')].filter(c => c.textContent.includes(arguments[0]) &&
                              c.getAttribute('data-connection') !== 'submitted').map(c => c.getAttribute('data-attempt'))[0] || null"""
        live = wait(teacher, lambda d: d.execute_script(find_card, "reactor-cooling-loss"), "the grid shows s001's reactor-cooling-loss station")
        if live:
            teacher.find_element(By.CSS_SELECTOR, f'li.station[data-attempt="{live}"] h2 a').click()
            wait(teacher, lambda d: d.find_elements(By.CSS_SELECTOR, '#fault option[value="cw_pump_trip"]'), "the station page lists the instructor faults")
            Select(teacher.find_element(By.ID, "fault")).select_by_value("cw_pump_trip")
            teacher.find_element(By.CSS_SELECTOR, '#intervene button[data-kind="fault"]').click()
            said = wait(teacher, lambda d: re.search(r"命令 #(\d+) 注入故障", d.find_element(By.ID, "command-result").text),
                        "the station page says the fault was sent")
            fault_id = int(said.group(1)) if said else -1
            wait(teacher, lambda d: "注入故障 cw_pump_trip · teacher · 已记入日志" in
                 d.execute_script("const e = document.querySelector('#commands li[data-command=\"' + arguments[0] + '\"]'); return e ? e.textContent : ''", fault_id),
                 "the station page lists the fault as journaled by the workstation")
            check(journaled(live, fault_id), "the command API says the fault is journaled")
            teacher.find_element(By.CSS_SELECTOR, '#intervene button[data-kind="freeze"]').click()
            wait(teacher, lambda d: d.find_element(By.ID, "st-clock").text == "已冻结", "the station page shows 已冻结 after 冻结")
            # The live mirror steps past the fault's tick once the freeze's line arrives: its event shows.
            wait(teacher, lambda d: "cw_pump_trip" in d.find_element(By.ID, "events").text, "the station's event log shows the fault")
            shot(teacher, "11-intervene", ["教师干预", "注入故障", "已发送的命令", "已冻结", "提示将按评分规则扣分", "cw_pump_trip"])
            # A message over 500 characters is refused in the page with a count, not cut; a sent one clears its box.
            box = teacher.find_element(By.ID, "message")
            teacher.execute_script("arguments[0].value = 'x'.repeat(501); arguments[0].dispatchEvent(new Event('input'))", box)
            teacher.find_element(By.CSS_SELECTOR, '#intervene button[data-kind="message"]').click()
            check("501/500" in teacher.find_element(By.ID, "command-result").text and "501/500" in teacher.find_element(By.ID, "message-count").text,
                  "a 501-character message is refused in the page with its count")
            box.clear()
            box.send_keys("注意阀门")
            teacher.find_element(By.CSS_SELECTOR, '#intervene button[data-kind="message"]').click()
            wait(teacher, lambda d: "已发送" in d.find_element(By.ID, "command-result").text and d.find_element(By.ID, "message").get_attribute("value") == "",
                 "a sent message clears its box")
            teacher.find_element(By.CSS_SELECTOR, '#intervene button[data-kind="run"]').click()
            wait(teacher, lambda d: d.find_element(By.ID, "st-clock").text == "运行", "the station runs again after 继续运行")
            teacher.find_element(By.LINK_TEXT, "实时监控").click() if teacher.find_elements(By.LINK_TEXT, "实时监控") else teacher.get(f"{lab.url}/teacher/classes/demo-class")
            wait(teacher, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-updates"), "the grid is live")
            teacher.find_element(By.CSS_SELECTOR, 'button[data-class-kind="freeze"]').click()
            wait(teacher, lambda d: "已发送给 1 个工位" in d.find_element(By.ID, "command-result").text, "全班冻结 reaches the one teaching station")
            frozen = """const c = document.querySelector('li.station[data-attempt="' + arguments[0] + '"] dd[data-f="clock"]'); return c ? c.textContent : ''"""
            wait(teacher, lambda d: d.execute_script(frozen, live) == "已冻结", "the grid shows 已冻结 on the station")
            shot(teacher, "12-grid-frozen", ["实时监控", "全班冻结", "已冻结", "reactor-cooling-loss"])
            teacher.find_element(By.CSS_SELECTOR, 'button[data-class-kind="run"]').click()
            wait(teacher, lambda d: d.execute_script(frozen, live) in ("运行", "已结束"), "the grid shows the station running after 全班继续")
        p, out = cooling
        p.wait(timeout=PATIENCE)
        check(p.returncode == 0, f"the intervened workstation {out} exited 0")
        with open(out) as f:
            m = re.search(r"attempt: (\S+) (\S+) .*journal: (\S+\.jsonl)", f.read())
        if check(m is not None and m.group(1) == live, "the workstation reports the attempt the teacher intervened in"):
            local_path = m.group(3)
            with open(local_path) as f:
                local = f.read()
            wait(teacher, lambda d: api("GET", f"/api/attempts/{live}/commands")[0] == 200 and all(
                c.get("state") == "journaled" for c in api("GET", f"/api/attempts/{live}/commands")[1].get("commands", [])), "every command is journaled")
            db = sqlite3.connect(f"file:{lab.dir}/lab.sqlite?mode=ro", uri=True)
            wait(teacher, lambda d: db.execute("SELECT count(*) FROM lab_lines WHERE attempt = ?", (live,)).fetchone()[0] == local.count("\n"),
                 "the server stores every line of the journal")
            stored = "".join(r[0] + "\n" for r in db.execute("SELECT text FROM lab_lines WHERE attempt = ? ORDER BY seq", (live,)))
            db.close()
            check(stored == local, "the server's stored journal is the workstation's, byte for byte")
            lines = [json.loads(x) for x in stored.splitlines()]
            instr = [(x.get("verb"), x.get("target"), x.get("by"), x.get("cmd")) for x in lines if x.get("cmd") is not None]
            check(len(instr) == 6 and instr[0] == ("instructor-fault", "cw_pump_trip", "teacher", fault_id),
                  f"the fault's line carries by and cmd in both journals: {instr[:1]}")
            check([v for v, *_ in instr] == ["instructor-fault", "instructor-freeze", "instructor-message", "instructor-run", "instructor-freeze", "instructor-run"],
                  f"the journal holds the fault, freeze, message, run, class freeze, class run: {[v for v, *_ in instr]}")
            stored_path = os.path.join(lab.dir, "stored-cooling.jsonl")
            with open(stored_path, "w") as f:
                f.write(stored)
            trailer = lines[-1]
            replay = subprocess.run([args.hazlab, "run", f"{ROOT}/Scenarios/reactor-cooling-loss", "--journal", stored_path, "--json"],
                                    capture_output=True, text=True, cwd=ROOT)
            check(replay.returncode == 0 and f'"{trailer.get("stateHash")}"' in replay.stdout,
                  f"hazlab run of the stored journal reaches the trailer's hash {trailer.get('stateHash')}")
            check('"cw_pump_trip"' in replay.stdout, "the headless replay shows the instructor's fault")

        phase("intervention")
        # ---- A small exam end to end through the exams page ----
        teacher.get(f"{lab.url}/teacher/classes/demo-class")
        teacher.find_element(By.LINK_TEXT, "考核").click()
        wait(teacher, lambda d: d.find_elements(By.CSS_SELECTOR, "#exam-list ul.exams"), "the exams page lists the class's exams")
        exam_title = "浏览器考核"
        # An empty create names the missing field.
        teacher.find_element(By.CSS_SELECTOR, '#exam-form button[type="submit"]').click()
        wait(teacher, lambda d: "请填写考核名称" in d.find_element(By.ID, "command-result").text, "an empty create asks for the title")
        teacher.find_element(By.ID, "exam-title").send_keys(exam_title)
        for name, value in (("scenarios", "tank-filling"), ("scenarios", "pump-lockout-tagout"), ("students", "s001"), ("students", "s002"), ("students", "s003")):
            teacher.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]').click()
        teacher.find_element(By.CSS_SELECTOR, '#exam-form button[type="submit"]').click()
        exam_card = """return [...document.querySelectorAll('#exam-list li[data-task]')].filter(c => c.querySelector('h3').textContent.startsWith(arguments[0] + ' · '))
                         .map(c => c.getAttribute('data-task') + ' ' + c.getAttribute('data-state'))[0] || ''"""
        made = wait(teacher, lambda d: d.execute_script(exam_card, exam_title), "the new exam appears in the list")
        exam = made.split()[0] if made else "t-none"
        check(made.endswith(" closed"), f"a new exam is closed until started ({made})")

        def exam_button(label):
            return teacher.find_element(By.XPATH, f'//li[@data-task="{exam}"]//button[normalize-space()="{label}"]')

        exam_button("开始").click()
        wait(teacher, lambda d: d.execute_script(exam_card, exam_title).endswith(" open"), "开始 opens the exam")
        start_buttons = f'//li[@data-task="{exam}"]//button[normalize-space()="开始"]'
        check(not teacher.find_elements(By.XPATH, start_buttons), "a started exam offers no 开始")
        shot(teacher, "13-exam-open", ["考核组织", exam_title + " · 进行中", "pump-lockout-tagout", "tank-filling", "考生 3"])
        # Three stations choose the exam task: s001 and s002 submit, s003 works until the exam's end.
        # At wall-clock speed: a journal that arrives faster than real time is flagged (Docs/lab.md, "Trust rules").
        quick = "click-entity helmet\nmenu 1\nwait 2\nsubmit\nexpect result\n"
        takers = [lab.workstation(5, "ws-demo", "s001", exam, quick, realtime=True), lab.workstation(6, "ws-02", "s002", exam, quick, realtime=True),
                  lab.workstation(7, "ws-03", "s003", exam, "wait 1\nexpect result\n", realtime=True)]
        for p, out in takers[:2]:
            p.wait(timeout=PATIENCE)
            check(p.returncode == 0, f"exam workstation {out} exited 0")

        def results():
            exam_button("查看成绩").click()
            return teacher.execute_script("""return [...document.querySelectorAll('li[data-task="' + arguments[0] + '"] table.results tr[data-attempt]')]
                                             .map(r => [r.getAttribute('data-student'), r.getAttribute('data-scenario'), r.getAttribute('data-state')]
                                                       .concat([...r.children].slice(3).map(td => td.textContent), [r.getAttribute('data-attempt')]))""", exam)

        rows = wait(teacher, lambda d: (lambda r: r if {x[0]: x[2] for x in r} == {"s001": "graded", "s002": "graded", "s003": "streaming"} else None)(results()),
                    "the results show s001 and s002 graded and s003 still working")
        running = next((x[-1] for x in rows or [] if x[0] == "s003"), "a-none")
        # An exam station's page offers no fault and no freeze; the API refuses a fault with 409.
        teacher.get(f"{lab.url}/teacher/attempts/{running}")
        wait(teacher, lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-polls") or 0) >= 1, "the exam station's page polls")
        check(not teacher.find_elements(By.ID, "fault") and not teacher.find_elements(By.CSS_SELECTOR, '#intervene button[data-kind="fault"]')
              and not teacher.find_elements(By.CSS_SELECTOR, '#intervene button[data-kind="freeze"]'), "an exam station's page offers no fault or freeze")
        check(teacher.find_elements(By.CSS_SELECTOR, '#intervene button[data-kind="pause"]') != [], "an exam station's page offers pause (incident)")
        status, j = api("POST", f"/api/attempts/{running}/commands", {"kind": "fault", "target": "cw_pump_trip", "text": ""})
        check(status == 409 and j.get("code") == "exam-no-intervention", f"the API refuses a fault in an exam with 409 ({status} {j})")
        shot(teacher, "14-exam-station", ["工位详情", "考核", "考核模式：只能因突发情况暂停和继续"])
        # End: the running station is submitted; results graded; publish; the class report shows them.
        teacher.get(f"{lab.url}/teacher/classes/demo-class/exams")
        wait(teacher, lambda d: d.execute_script(exam_card, exam_title).endswith(" open"), "the exams page lists the open exam")
        exam_button("结束并交卷").click()
        wait(teacher, lambda d: "已结束，交卷工位数：1" in d.find_element(By.ID, "command-result").text, "结束并交卷 submits the one running station")
        wait(teacher, lambda d: d.execute_script(exam_card, exam_title).endswith(" ended"), "the exam reads 已结束")
        check(not teacher.find_elements(By.XPATH, start_buttons), "an ended exam offers no 开始")
        p, out = takers[2]
        p.wait(timeout=PATIENCE)
        check(p.returncode == 0, f"the exam workstation submitted by the exam's end {out} exited 0")
        rows = wait(teacher, lambda d: (lambda r: r if len(r) == 3 and all(x[2] == "graded" for x in r) else None)(results()), "all three exam attempts are graded")
        for x in rows or []:
            check(x[1] in ("tank-filling", "pump-lockout-tagout") and re.match(r"^\d+(\.\d+)?/\d+", x[3]) and x[5] == "否" and x[6] == "",
                  f"the result row of {x[0]} is drawn, scored, unpublished, unflagged: {x[:7]}")
        exam_button("发布成绩").click()
        confirm = wait(teacher, lambda d: d.find_elements(By.CSS_SELECTOR, f'li[data-task="{exam}"] .confirm button.confirm-yes'), "发布成绩 asks for confirmation first")
        check(teacher.switch_to.active_element.get_attribute("class") == "confirm-yes", "the confirm step has the keyboard focus")
        if confirm:
            confirm[0].send_keys(Keys.ENTER)
        wait(teacher, lambda d: d.find_element(By.ID, "command-result").text.startswith("已发布 3"), "发布成绩 publishes the three results")
        # Without clicking 查看成绩 again: the table shown reads published (walkthrough defect: it kept 否).
        wait(teacher, lambda d: d.execute_script("""return [...document.querySelectorAll('li[data-task="' + arguments[0] + '"] table.results tr[data-attempt]')]
                                                    .map(r => r.children[5].textContent).join(',')""", exam) == "是,是,是", "the results table reads 是 after publishing")
        wait(teacher, lambda d: (lambda r: r if len(r) == 3 and all(x[5] == "是" for x in r) else None)(results()), "the results read published")
        teacher.execute_script("document.querySelector('li[data-task=\"' + arguments[0] + '\"]').scrollIntoView()", exam)
        shot(teacher, "15-exam-results", [exam_title + " · 已结束", "已评分", "s003", "已发布 3"])
        teacher.find_element(By.LINK_TEXT, "班级报告").click()
        wait(teacher, lambda d: "班级成绩分析报告" in body_text(d), "the class report opens")
        report = body_text(teacher)
        for x in rows or []:
            check(x[1] in report, f"the class report covers {x[1]}")
        shot(teacher, "16-class-report", ["班级成绩分析报告", "考核人次"])
        # Every attempt stays reachable for a debrief (the grid shows only the latest per workstation).
        teacher.find_element(By.LINK_TEXT, "全部记录").click()
        wait(teacher, lambda d: d.find_elements(By.ID, "attempts"), "the class's attempts page opens from the report's bar")
        links = teacher.find_elements(By.CSS_SELECTOR, "#attempts a.debrief")
        check(len(links) >= 5, f"the attempts page links every attempt's debrief ({len(links)})")
        if links:
            links[-1].click()
            wait(teacher, lambda d: d.find_elements(By.ID, "teacher-jumps"), "an attempt's debrief opens from the attempts page")

        phase("exam")
        # A student's browser: 403 on the teacher's pages, their own growth page only.
        login(student, "s001")
        wait(student, lambda d: d.current_url.endswith("/me") and "/login" not in d.current_url, "a student lands on /me")
        shot(student, "09-student-me", ["学生成长档案", "s001"])
        check("王五" not in student.find_element(By.TAG_NAME, "body").text, "a student's page shows no other student")
        for path in ("/teacher", "/teacher/classes/demo-class", f"/teacher/attempts/{attempt}/debrief"):
            student.get(lab.url + path)
            check("403" in student.find_element(By.TAG_NAME, "h1").text, f"a student gets 403 on {path}")
        shot(student, "10-student-403", ["403", "学生账户不能打开教师站的页面"])
        check(student.find_elements(By.CSS_SELECTOR, 'a#back[href="/me"]') != [], "a student's 403 page leads back to /me")
        student.get(lab.url + "/me")
        check(student.find_elements(By.ID, "sign-out") != [], "/me has a sign-out")
        req = urllib.request.Request(lab.url + "/teacher/classes/demo-class")
        for c in student.get_cookies():
            req.add_header("Cookie", f"{c['name']}={c['value']}")
        try:
            urllib.request.urlopen(req)
            check(False, "a student's request for the grid is refused")
        except urllib.error.HTTPError as e:
            check(e.code == 403, f"a student's request for the grid is 403 (got {e.code})")
            csp = e.headers.get("Content-Security-Policy", "")
            check("default-src 'self'" in csp and "unsafe-inline" not in csp, f"pages carry a strict CSP: {csp}")
    finally:
        teacher.quit()
        student.quit()
        lab.stop()
    print(f"teacher_test: screenshots in {shots}")
    if failures:
        print(f"teacher_test: {len(failures)} check(s) failed; the lab folder is kept: {lab.dir}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(lab.dir, ignore_errors=True)
    print("teacher_test: all checks passed")


if __name__ == "__main__":
    main()
