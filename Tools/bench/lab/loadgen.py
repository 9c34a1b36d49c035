#!/usr/bin/env python3
"""Load generator for `hazlab serve` (issue 14, "Performance").

Simulates N workstations: each registers its own Ed25519 workstation key (admin API), gets an
assignment for one student (challenge + signed request), writes a real format-2 journal locally
(append + fsync per line, as JournalWriter does), streams every line over the WebSocket right
after its fsync and measures fsync -> ack per line. Actions come at human rate: the action list of
a golden journal, re-timed to one action every 2-8 s of simulated time, sent in real time (the
scenario's tick rate, 10 ticks/s). The trailer is signed with the station's key, so the server
grades. One teacher polls /api/attempts every 2 s. Server CPU from /proc/PID/stat over the
streaming phase. Prints one JSON object of results on stdout.
"""
import argparse, asyncio, base64, hashlib, http.cookiejar, json, os, random, statistics, sys, time
import urllib.request, urllib.error
import websockets
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def b64(b): return base64.b64encode(b).decode()

class Http:
    """Small cookie-keeping JSON client (blocking; run in a thread)."""
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None
    def req(self, method, path, body=None, ctype="application/json"):
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = ctype
        if self.csrf: headers["X-CSRF-Token"] = self.csrf
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.op.open(r, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            txt = e.read()
            try: return e.code, json.loads(txt)
            except Exception: return e.code, {"error": txt.decode(errors="replace")}
    def login(self, user, pw):
        st, j = self.req("POST", "/api/login", {"user": user, "password": pw})
        if st != 200: raise RuntimeError(f"login {user}: {st} {j}")
        self.csrf = j["csrf"]

def pct(xs, p):
    if not xs: return float("nan")
    xs = sorted(xs); k = (len(xs) - 1) * p / 100; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])   # utime + stime (fields 14, 15)

class Station:
    def __init__(self, i, args, golden_actions, tick_rate, rng):
        self.i = i; self.args = args
        self.ws_id = f"lg-ws-{args.tag}-{i:04d}"
        self.student = f"lg{args.tag}{i:04d}"
        self.key = Ed25519PrivateKey.generate()
        self.pub = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        t = 0; self.actions = []
        for a in golden_actions:
            t += rng.randint(int(args.gap_min * tick_rate), int(args.gap_max * tick_rate))
            a = dict(a); a["tick"] = t; a.pop("prev", None); self.actions.append(a)
        self.end_tick = t + tick_rate
        self.tick_rate = tick_rate
        self.lat = []; self.trailer_lat = None; self.errors = []; self.attempt = None; self.reconnects = 0
        self.sent_at = {}   # action count k -> monotonic time its line was sent (for --live)

    def get_assignment(self, base):
        h = Http(base)
        st, ch = h.req("GET", f"/api/workstation/challenge?workstation={self.ws_id}")
        if st != 200: raise RuntimeError(f"challenge {self.ws_id}: {st} {ch}")
        msg = f"hazlab-assignment-v1\n{ch['nonce']}\n{self.ws_id}\n{self.student}\n{self.args.scenario}".encode()
        st, a = h.req("POST", "/api/workstation/assignment", {
            "workstation": self.ws_id, "nonce": ch["nonce"], "signature": b64(self.key.sign(msg)),
            "student": self.student, "password": self.args.password, "scenario": self.args.scenario,
            "mode": "practice"})
        if st != 200: raise RuntimeError(f"assignment {self.ws_id}: {st} {a}")
        self.asg = a; self.attempt = a["attempt"]

    async def run(self, ws_url, outdir, t0):
        a = self.asg
        header = {"type": "header", "format": 2, "engine": "0.1.0", "scenario": a["scenario"],
                  "scenarioSHA256": a["scenarioSHA256"], "seed": int(a["seed"]), "mode": a["mode"],
                  "student": a["student"], "workstation": a["workstation"], "attempt": a["attempt"],
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "key": self.ws_id}
        enc = lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False)
        path = os.path.join(outdir, f"{self.attempt}.jsonl")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        sock = await websockets.connect(ws_url, max_size=2**20, open_timeout=60, ping_interval=None)
        await sock.send(json.dumps({"type": "hello", "workstation": self.ws_id, "attempt": self.attempt}))
        ch = json.loads(await sock.recv())
        if ch.get("type") != "challenge": raise RuntimeError(f"{self.ws_id}: {ch}")
        sig = self.key.sign(f"hazlab-stream-v1\n{ch['nonce']}\n{self.attempt}".encode())
        await sock.send(json.dumps({"type": "proof", "signature": b64(sig)}))
        w = json.loads(await sock.recv())
        if w.get("type") != "welcome": raise RuntimeError(f"{self.ws_id}: {w}")
        seq = 0; prev = None; start = time.monotonic()

        async def write_and_send(line, is_trailer=False):
            nonlocal seq
            os.write(fd, (line + "\n").encode()); os.fsync(fd)
            t_fsync = time.monotonic()
            await sock.send(json.dumps({"type": "line", "seq": seq, "text": line}, ensure_ascii=False))
            ans = json.loads(await sock.recv())
            dt = (time.monotonic() - t_fsync) * 1000
            if ans.get("type") != "ack" or ans.get("seq") != seq:
                self.errors.append(f"seq {seq}: {ans}"); raise RuntimeError(f"{self.ws_id}: {ans}")
            if is_trailer: self.trailer_lat = dt
            else: self.lat.append(dt)
            seq += 1

        hl = enc(header); await write_and_send(hl); prev = hashlib.sha256(hl.encode()).hexdigest()
        for act in self.actions:
            due = start + act["tick"] / self.tick_rate
            await asyncio.sleep(max(0, due - time.monotonic()))
            act = dict(act); act["prev"] = prev; line = enc(act)
            self.sent_at[len(self.sent_at) + 1] = time.monotonic()
            await write_and_send(line); prev = hashlib.sha256(line.encode()).hexdigest()
        await asyncio.sleep(max(0, start + self.end_tick / self.tick_rate - time.monotonic()))
        body = enc({"type": "trailer", "endTick": self.end_tick, "stateHash": "0000000000000000",
                    "actions": len(self.actions), "prev": prev})
        tl = body[:-1] + ',"sig":"' + b64(self.key.sign(body.encode())) + '"}'
        await write_and_send(tl, True)
        os.close(fd)
        await sock.close()

async def teacher(base, user, pw, stop, stats):
    h = Http(base)
    await asyncio.to_thread(h.login, user, pw)
    while not stop.is_set():
        t = time.monotonic()
        st, j = await asyncio.to_thread(h.req, "GET", "/api/attempts")
        stats["polls"] += 1
        stats["poll_ms"].append((time.monotonic() - t) * 1000)
        if st != 200: stats["errors"].append(f"attempts {st}")
        else: stats["last_count"] = len(j.get("attempts", []))
        try: await asyncio.wait_for(stop.wait(), 2.0)
        except asyncio.TimeoutError: pass

async def live_watcher(base, user, pw, klass, by_attempt, stop, stats):
    """The teacher station's live grid (server-sent events, /api/classes/{class}/live): for every
    action line a station sent, the delay until a grid event shows that station's action count."""
    h = Http(base)
    await asyncio.to_thread(h.login, user, pw)
    cookie = "; ".join(f"{c.name}={c.value}" for c in h.jar)
    host, port = base.split("//", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=2**24)  # a grid of 240 stations is ~110 KB
    writer.write((f"GET /api/classes/{klass}/live HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                  f"Cookie: {cookie}\r\n\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200" not in status: stats["errors"].append(f"live: {status!r}"); return
    while (await reader.readline()) not in (b"\r\n", b"\n", b""): pass
    seen = {}
    async def lines():
        # The body may be chunked: strip chunk-size lines (hex digits alone) and yield SSE lines.
        while not stop.is_set():
            raw = await reader.readline()
            if not raw: return
            yield raw.rstrip(b"\r\n")
    data = []
    gen = lines()
    while not stop.is_set():
        try: ln = await asyncio.wait_for(gen.__anext__(), 1.0)
        except asyncio.TimeoutError: continue
        except StopAsyncIteration: break
        if ln.startswith(b"data:"): data.append(ln[5:].strip()); continue
        if ln != b"" or not data: continue
        now = time.monotonic()
        try: grid = json.loads(b"".join(data))
        except Exception: data = []; continue
        data = []
        stats["events"] += 1
        for st in grid.get("stations", []):
            s = by_attempt.get(st.get("attempt"))
            if s is None: continue
            n = int(st.get("actions", 0)); k0 = seen.get(s.attempt, 0)
            for k in range(k0 + 1, n + 1):
                if k in s.sent_at: stats["lat_ms"].append((now - s.sent_at[k]) * 1000)
            seen[s.attempt] = max(k0, n)
    writer.close()

async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True); ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("-n", type=int, default=60); ap.add_argument("--tag", default="a")
    ap.add_argument("--scenario", default="tank-filling")
    ap.add_argument("--golden", default="Scenarios/tank-filling/runs/perfect.jsonl")
    ap.add_argument("--tick-rate", type=int, default=10)
    ap.add_argument("--gap-min", type=float, default=2.0); ap.add_argument("--gap-max", type=float, default=8.0)
    ap.add_argument("--ramp", type=float, default=5.0, help="seconds over which stations start")
    ap.add_argument("--password", default="loadgen-pass-1")
    ap.add_argument("--admin", default="admin"); ap.add_argument("--admin-password", default="demo-pass-1")
    ap.add_argument("--teacher", default="teacher"); ap.add_argument("--teacher-password", default="demo-pass-1")
    ap.add_argument("--class", dest="klass", default="demo-class")
    ap.add_argument("--out", required=True); ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--live", action="store_true", help="also watch the teacher station's live grid (SSE) and time it")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    golden = [json.loads(l) for l in open(args.golden, encoding="utf-8")]
    actions = [l for l in golden if l["type"] == "action"]
    os.makedirs(args.out, exist_ok=True)
    stations = [Station(i, args, actions, args.tick_rate, rng) for i in range(args.n)]
    # Setup (not measured): students via roster CSV, one key per workstation, assignments.
    admin = Http(args.base); admin.login(args.admin, args.admin_password)
    csv = "id,name,password\n" + "".join(f"{s.student},负载{s.i},{args.password}\n" for s in stations)
    csv = csv.encode()
    st, j = admin.req("POST", f"/api/admin/classes/{args.klass}/roster", csv, "text/csv")
    if st not in (200, 201): sys.exit(f"roster: {st} {j}")
    for s in stations:
        st, j = admin.req("POST", "/api/admin/workstations", {"id": s.ws_id, "publicKey": b64(s.pub)})
        if st not in (200, 201): sys.exit(f"workstation {s.ws_id}: {st} {j}")
    t_setup = time.monotonic()
    await asyncio.gather(*[asyncio.to_thread(s.get_assignment, args.base) for s in stations])
    setup_s = time.monotonic() - t_setup
    ws_url = args.base.replace("http", "ws", 1) + "/api/stream"
    stop = asyncio.Event(); tstats = {"polls": 0, "poll_ms": [], "errors": [], "last_count": 0}
    tt = asyncio.create_task(teacher(args.base, args.teacher, args.teacher_password, stop, tstats))
    lstats = {"events": 0, "lat_ms": [], "errors": []}
    lt = asyncio.create_task(live_watcher(args.base, args.teacher, args.teacher_password, args.klass,
                                          {s.attempt: s for s in stations}, stop, lstats)) if args.live else None
    cpu0 = cpu_ticks(args.pid); w0 = time.monotonic(); c0 = os.times()
    async def one(s, delay):
        await asyncio.sleep(delay)
        try: await s.run(ws_url, args.out, w0)
        except Exception as e: s.errors.append(repr(e)[:300])
    await asyncio.gather(*[one(s, args.ramp * i / max(1, args.n)) for i, s in enumerate(stations)])
    cpu1 = cpu_ticks(args.pid); wall = time.monotonic() - w0; c1 = os.times()
    stop.set(); await tt
    if lt: await lt
    hz = os.sysconf("SC_CLK_TCK")
    lat = [x for s in stations for x in s.lat]
    tr = [s.trailer_lat for s in stations if s.trailer_lat is not None]
    allv = lat + tr
    res = {"n": args.n, "wall_s": round(wall, 1), "assign_s": round(setup_s, 1),
           "lines": len(allv), "line_p50": pct(lat, 50), "line_p90": pct(lat, 90), "line_p99": pct(lat, 99),
           "line_max": max(lat) if lat else None,
           "all_p50": pct(allv, 50), "all_p90": pct(allv, 90), "all_p99": pct(allv, 99), "all_max": max(allv) if allv else None,
           "trailer_p50": pct(tr, 50), "trailer_p99": pct(tr, 99), "trailer_max": max(tr) if tr else None,
           "cpu_pct_one_core": 100.0 * (cpu1 - cpu0) / hz / wall,
           "loadgen_cpu_pct_one_core": 100.0 * ((c1.user - c0.user) + (c1.system - c0.system)) / wall,
           "loadavg": open("/proc/loadavg").read().split()[:3],
           "finished": len(tr), "errors": sum(len(s.errors) for s in stations) + len(tstats["errors"]),
           "error_samples": [e for s in stations for e in s.errors][:5] + tstats["errors"][:3],
           "teacher_polls": tstats["polls"], "teacher_poll_p99": pct(tstats["poll_ms"], 99),
           "attempts": [s.attempt for s in stations if s.trailer_lat is not None]}
    if args.live:
        res.update({"live_events": lstats["events"], "live_seen": len(lstats["lat_ms"]),
                    "live_p50": pct(lstats["lat_ms"], 50), "live_p99": pct(lstats["lat_ms"], 99),
                    "live_max": max(lstats["lat_ms"]) if lstats["lat_ms"] else None, "live_errors": lstats["errors"]})
    print(json.dumps(res))

asyncio.run(main())
