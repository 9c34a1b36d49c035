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
    from selenium.webdriver.support.ui import WebDriverWait
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

    def workstation(self, n, ws, student, scenario, script):
        """A real workstation process: signs the student in, takes a practice scenario, acts, submits."""
        path = os.path.join(self.dir, f"{ws}.script")
        with open(path, "w") as f:
            f.write(f"type {student}\ntap tab\ntype demo-pass-1\ntap enter\nexpect tasks\nchoose {scenario}\nexpect session\n{script}")
        out = open(os.path.join(self.dir, f"viewer-{n}.out"), "w")
        p = subprocess.Popen([self.viewer, "--server", self.url, "--workstation", ws, "--key", self.keys[ws],
                              "--journals", os.path.join(self.dir, f"journals-{n}"), "--scenarios", f"{ROOT}/Scenarios",
                              "--offscreen", "--script", path], stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
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

        # A student's browser: 403 on the teacher's pages, their own growth page only.
        login(student, "s001")
        wait(student, lambda d: d.current_url.endswith("/me") and "/login" not in d.current_url, "a student lands on /me")
        shot(student, "09-student-me", ["学生成长档案", "s001"])
        check("王五" not in student.find_element(By.TAG_NAME, "body").text, "a student's page shows no other student")
        for path in ("/teacher", "/teacher/classes/demo-class", f"/teacher/attempts/{attempt}/debrief"):
            student.get(lab.url + path)
            check("403" in student.find_element(By.TAG_NAME, "h1").text, f"a student gets 403 on {path}")
        shot(student, "10-student-403", ["403"])
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
