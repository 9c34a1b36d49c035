#!/usr/bin/env bash
# Regenerates the example reports in Docs/examples from the demo scenario:
#   attempt-perfect.{zh-CN,en}.html, attempt-mistakes.{zh-CN,en}.html  (hazlab report attempt)
#   class.{zh-CN,en}.html  (hazlab report class, over varied attempts graded by hazlab grade,
#                          compared with an earlier term for the teaching diagnosis)
#   student-s02.{zh-CN,en}.html, student-s02.json  (hazlab report student, s02's growth record)
#   sheet-tank-filling.{zh-CN,en}.html  (hazlab doc, the instructor sheet)
# The reports are byte-stable: rerunning this only changes them when the engine, the scenario
# or the report code changed.
# Usage: bash Docs/examples/generate.sh      (HAZLAB=/path/to/hazlab to skip the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${HAZLAB:-}" ]; then
    swift build --product hazlab >/dev/null
    HAZLAB="$(swift build --show-bin-path)/hazlab"
fi
out=Docs/examples
S=Scenarios/tank-filling

for lang in zh-CN en; do
    "$HAZLAB" doc "$S" --out "$out/sheet-tank-filling.$lang.html" --lang "$lang"
done

for run in perfect mistakes; do
    for lang in zh-CN en; do
        "$HAZLAB" report attempt "$S" --journal "$S/runs/$run.jsonl" --out "$out/attempt-$run.$lang.html" --lang "$lang"
    done
done

# A small class: the demo runs and variants of them, each a journal of its own student.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/submissions"
python3 - "$S/runs" "$tmp/submissions" <<'PY'
import json, sys, os
runs, dest = sys.argv[1], sys.argv[2]

def load(name):
    lines = [json.loads(l) for l in open(os.path.join(runs, name + ".jsonl")) if l.strip()]
    return lines[0], [l for l in lines if l["type"] == "action"]

def write(student, base, edit=lambda a: a, mode=None, started="2026-09-01T01:00:00.000Z", attempt=None, name=None):
    header, actions = load(base)
    header = dict(header, student=student, attempt=attempt or "demo-" + student, workstation="ws-%02d" % int(student[1:3]),
                  started=started)
    if mode: header["mode"] = mode
    actions = sorted(edit([dict(a) for a in actions]), key=lambda a: a["tick"])
    end = max([a["tick"] for a in actions] + [0])
    with open(os.path.join(dest, (name or student) + ".jsonl"), "w") as f:
        for line in [header] + actions + [{"type": "trailer", "endTick": end, "stateHash": "", "actions": len(actions)}]:
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")

def drop(verb, target): return lambda a: [x for x in a if not (x["verb"] == verb and x["target"] == target)]
def move(verb, target, tick): return lambda a: [dict(x, tick=tick) if x["verb"] == verb and x["target"] == target else x for x in a]
def add(tick, verb, target): return lambda a: a + [{"type": "action", "tick": tick, "verb": verb, "target": target}]

write("s01", "perfect")
write("s02", "mistakes")
write("s03", "idle")
write("s04", "perfect", drop("wear", "goggles"))
write("s05", "perfect", move("wear", "goggles", 420))
write("s06", "perfect", drop("report", "supervisor"))
write("s07", "perfect", drop("reset", "P101"))
write("s08", "mistakes", add(30, "wear", "goggles"))
write("s09", "perfect", add(300, "hint", "line_up"), mode="practice")
write("s10", "perfect", move("close", "XV101", 4300))
# s02 again over the term: practice, a near miss, then a pass (a growth record to show).
write("s02", "idle", mode="practice", started="2026-09-03T06:30:00.000Z", attempt="demo-s02-2", name="s02-2")
write("s02", "mistakes", add(30, "wear", "goggles"), started="2026-09-08T02:00:00.000Z", attempt="demo-s02-3", name="s02-3")
write("s02", "perfect", move("close", "XV101", 4300), mode="practice", started="2026-09-12T06:30:00.000Z", attempt="demo-s02-4", name="s02-4")
write("s02", "perfect", started="2026-09-15T02:00:00.000Z", attempt="demo-s02-5", name="s02-5")
# Last term's class, for the teaching diagnosis: fewer PPE slips, more late isolation.
prev = dest + "-previous"
os.makedirs(prev, exist_ok=True)
dest = prev
for k, edit in enumerate([lambda a: a, move("close", "XV101", 4300), move("close", "XV101", 4400), drop("report", "supervisor"), lambda a: a]):
    write("p%02d" % (k + 1), "perfect", edit, started="2026-03-02T01:00:00.000Z")
PY
# Trailers as a workstation writes them: the end tick and state hash of its own run.
for j in "$tmp"/submissions/*.jsonl "$tmp"/submissions-previous/*.jsonl; do
    "$HAZLAB" run "$S" --journal "$j" --json | python3 -c '
import json, sys
o = json.load(sys.stdin); path = sys.argv[1]
lines = [json.loads(l) for l in open(path) if l.strip()]
lines[-1].update(endTick=o["ticks"], stateHash=o["stateHash"])
open(path, "w").write("".join(json.dumps(l, ensure_ascii=False, separators=(",", ":")) + "\n" for l in lines))
' "$j"
done
# The synthetic journals are edited by the script above, so their hash chains no longer hold.
"$HAZLAB" grade --no-check-chains --scenarios "$S" --jobs 2 --out "$tmp/graded" "$tmp/submissions" >/dev/null
"$HAZLAB" grade --no-check-chains --scenarios "$S" --jobs 2 --out "$tmp/previous" "$tmp/submissions-previous" >/dev/null
for lang in zh-CN en; do
    "$HAZLAB" report class "$tmp/graded/results.json" --out "$out/class.$lang.html" --lang "$lang" --previous "$tmp/previous"
    "$HAZLAB" report student s02 --results "$tmp/graded" --scenarios Scenarios --out "$out/student-s02.$lang.html" --lang "$lang"
done
"$HAZLAB" report student s02 --results "$tmp/graded" --scenarios Scenarios --format json --out "$out/student-s02.json"
# The charts on their own, for Docs/reports.md.
python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def charts(name):
    return re.findall(r'<svg .*?</svg>', open(f"{out}/{name}.html", encoding="utf-8").read(), re.S)
picks = [("attempt-mistakes.zh-CN", 0, "trend-mistakes.zh-CN.svg"), ("attempt-mistakes.zh-CN", 1, "timeline-mistakes.zh-CN.svg"),
         ("attempt-mistakes.en", 0, "trend-mistakes.en.svg"), ("class.zh-CN", 0, "class-histogram.zh-CN.svg"),
         ("class.zh-CN", 1, "class-grades.zh-CN.svg"), ("class.zh-CN", 2, "class-step-outcomes.zh-CN.svg"),
         ("class.zh-CN", 3, "class-step-times.zh-CN.svg"), ("class.zh-CN", -1, "class-diagnosis.zh-CN.svg"),
         ("student-s02.zh-CN", 0, "student-score.zh-CN.svg"), ("student-s02.zh-CN", 1, "student-mastery.zh-CN.svg"),
         ("student-s02.en", 0, "student-score.en.svg")]
for page, i, file in picks:
    with open(f"{out}/{file}", "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + charts(page)[i] + "\n")
PY
ls -l "$out"
