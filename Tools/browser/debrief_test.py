#!/usr/bin/env python3
"""The debrief's second column and backtrack in a real browser (issue 15, "Debrief").

Reuses teacher_test.py's lab (a real `hazlab serve` on a fresh demo store) and its skip rules.
A real workstation process takes tank-filling as s001; the teacher opens its debrief and checks:

  * choosing the model run `perfect` shows a second column whose state hash at the slider's tick is
    the one `hazlab run --trace` gives for that golden journal at that tick;
  * "从此刻继续练习" at a tick offers s001 a backtrack; a second real workstation takes it from the
    task list, and the server's new attempt has the parent's state hash at that tick.

Usage: python3 Tools/browser/debrief_test.py [--hazlab .build/debug/hazlab] [--viewer .build/debug/hazlab-viewer]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import teacher_test as tt  # noqa: E402  (skips, as teacher_test does, without a browser)
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

check = tt.check


def trace_hash(hazlab, scenario, journal, tick):
    out = subprocess.run([hazlab, "run", f"{tt.ROOT}/Scenarios/{scenario}", "--journal", journal, "--trace", str(tick)],
                         capture_output=True, text=True, cwd=tt.ROOT).stdout
    m = re.search(rf"^tick {tick} ([0-9a-f]{{16}})$", out, re.M)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hazlab", default=os.path.join(tt.ROOT, ".build/debug/hazlab"))
    ap.add_argument("--viewer", default=os.path.join(tt.ROOT, ".build/debug/hazlab-viewer"))
    args = ap.parse_args()
    shots = os.environ.get("HAZLAB_ARTIFACTS") or tempfile.mkdtemp(prefix="hazlab-debrief-shots-")
    shots = os.path.join(shots, "teacher") if os.environ.get("HAZLAB_ARTIFACTS") else shots
    os.makedirs(shots, exist_ok=True)
    lab = tt.Lab(args.hazlab, args.viewer)
    opts = webdriver.ChromeOptions()
    opts.binary_location = tt.CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100", "--lang=zh-CN"):
        opts.add_argument(a)
    teacher = webdriver.Chrome(service=Service(tt.DRIVER), options=opts)
    try:
        def wait(cond, what):
            try:
                return WebDriverWait(teacher, tt.PATIENCE, poll_frequency=0.2).until(lambda d: cond(d))
            except Exception:
                check(False, f"{what} (page text: {teacher.find_element(By.TAG_NAME, 'body').text[:400]!r})")
                return None

        def body(name):
            return teacher.find_element(By.TAG_NAME, "body").get_attribute(name)

        p, out = lab.workstation(1, "ws-demo", "s001", "tank-filling", tt.SCRIPT)
        p.wait(timeout=240)
        check(p.returncode == 0, "the first workstation process exited 0")
        with open(out) as f:
            m = re.search(r"attempt: (\S+) tank-filling .*journal: (\S+\.jsonl)", f.read())
        attempt, journal = (m.group(1), m.group(2)) if m else (None, None)
        check(attempt is not None, "the workstation reported its attempt")

        teacher.get(lab.url + "/teacher")
        wait(lambda d: d.find_elements(By.ID, "user"), "the login page")
        teacher.find_element(By.ID, "user").send_keys("teacher")
        teacher.find_element(By.ID, "password").send_keys("demo-pass-1")
        teacher.find_element(By.ID, "login-button").click()
        wait(lambda d: d.find_elements(By.ID, "classes"), "the teacher lands on /teacher")

        teacher.get(f"{lab.url}/teacher/attempts/{attempt}/debrief")
        wait(lambda d: body("data-shown-tick") == "0", "the debrief shows tick 0")
        end = int(body("data-end-tick"))
        tick = max(1, end // 2)
        Select(teacher.find_element(By.ID, "compare")).select_by_value("run:perfect")
        box = teacher.find_element(By.ID, "tick-number")
        box.clear()
        box.send_keys(str(tick))
        box.send_keys("\t")
        wait(lambda d: body("data-shown-tick") == str(tick) and body("data-compare-tick") == str(tick), f"both columns move to tick {tick}")
        golden = f"{tt.ROOT}/Scenarios/tank-filling/runs/perfect.jsonl"
        expected = trace_hash(args.hazlab, "tank-filling", golden, tick)
        shown = body("data-compare-hash")
        check(expected is not None and shown == expected, f"the model run's column at tick {tick} shows hazlab run's hash ({shown} vs {expected})")
        check(teacher.find_element(By.ID, "cmp-hash").text == shown, "the column shows the hash it was given")
        check(len(teacher.find_elements(By.CSS_SELECTOR, "#cmp-checklist li")) > 0, "the column shows the checklist")
        check(trace_hash(args.hazlab, "tank-filling", journal, tick) == teacher.find_element(By.ID, "at-hash").text, "the attempt's column is unchanged")
        path = os.path.join(shots, "09-debrief-side-by-side.png")
        teacher.save_screenshot(path)
        ok, distinct = tt.png_not_blank(path)
        check(ok, f"screenshot 09-debrief-side-by-side.png is not blank ({distinct} distinct byte values)")
        check("并排对照" in teacher.find_element(By.TAG_NAME, "body").text, "the side-by-side picker is labelled in Chinese")

        # Backtrack from the shown tick; a second workstation takes it from the task list.
        teacher.find_element(By.ID, "backtrack").click()
        wait(lambda d: body("data-backtrack"), "the backtrack is offered")
        offer = body("data-backtrack")
        check("已布置练习" in teacher.find_element(By.ID, "command-result").text, "the page says the practice was offered")
        p2, out2 = lab.workstation(2, "ws-02", "s001", offer, "wait 2\nsubmit\nexpect result\n")
        p2.wait(timeout=240)
        check(p2.returncode == 0, "the second workstation took the backtrack and submitted")
        with open(out2) as f:
            m = re.search(r"attempt: (\S+) ", f.read())
        child = m.group(1) if m else None
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in teacher.get_cookies())

        def at(a):
            req = urllib.request.Request(f"{lab.url}/api/attempts/{a}/at?tick={tick}", headers={"Cookie": cookie})
            with urllib.request.urlopen(req) as r:
                return json.load(r)["stateHash"]
        check(child is not None and at(child) == at(attempt), f"the backtracked attempt has the parent's state at tick {tick}")
    finally:
        teacher.quit()
        lab.stop()
    if tt.failures:
        print(f"debrief_test: {len(tt.failures)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("debrief_test: all checks passed")


if __name__ == "__main__":
    main()
