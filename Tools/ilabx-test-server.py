#!/usr/bin/env python3
"""A small local stand-in for the ilab-x (实验空间) v2 open API, for HazLab's tests.

    ilabx-test-server.py --appid APPID --secret SECRET --ticket TICKET [--port 0] [--dump FILE]

It prints the port it listens on (127.0.0.1 only) as the first line of stdout, then serves
the protocol of Docs/ilabx.md:

  GET  /open/api/v2/token?ticket=T&appid=A&signature=S
       S must be UPPER(hex(MD5(T + A + SECRET))) and T the expected ticket:
       -> {"code":0,"access_token":"…","create_time":…,"expires_time":…,"un":"…","dis":"…"}
       otherwise {"code":1,"msg":"…"} (HTTP 200, as the real service does)
  POST /open/api/v2/data_upload?access_token=TOKEN   (body: one record, UTF-8 JSON)
       the token must be one this server issued; the record is checked field by field
       (types, limits, originId characters, 13-digit ms times, non-zero timeUsed, unique
       originId) -> {"code":0,"msg":"success"} or {"code":2,"msg":"<first problem>"}
  GET  /_uploads   -> the accepted records, as a JSON array (tests only)

Every accepted record is also appended to --dump as one JSON line.
"""
import argparse
import hashlib
import json
import re
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LIMITS = {"username": 64, "title": 255, "originId": 64}
STEP_LIMITS = {"title": 255, "evaluation": 32, "scoringModel": 255, "remarks": 255}
TOP = ["username", "title", "status", "score", "startTime", "endTime", "timeUsed", "appid", "originId", "steps"]
STEP = ["seq", "title", "startTime", "endTime", "timeUsed", "expectTime", "maxScore", "score",
        "repeatCount", "evaluation", "scoringModel", "remarks"]


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def check_record(r, appid, seen):
    if not isinstance(r, dict):
        return "record is not an object"
    for k in TOP:
        if k not in r:
            return "missing %s" % k
    for k, n in LIMITS.items():
        if not isinstance(r[k], str) or not r[k] or len(r[k]) > n:
            return "%s must be a string of 1..%d characters" % (k, n)
    if r["appid"] != appid:
        return "appid does not match"
    if not re.fullmatch(r"[A-Za-z0-9_]+", r["originId"]):
        return "originId has characters other than [A-Za-z0-9_]"
    if r["originId"] in seen:
        return "originId already uploaded"
    if r["status"] not in (1, 2) or not is_int(r["status"]):
        return "status must be 1 or 2"
    if not is_int(r["score"]) or not 0 <= r["score"] <= 100:
        return "score must be an integer 0..100"
    for k in ("startTime", "endTime"):
        if not is_int(r[k]) or len(str(r[k])) != 13:
            return "%s must be 13-digit milliseconds" % k
    if r["endTime"] < r["startTime"]:
        return "endTime before startTime"
    if not is_int(r["timeUsed"]) or r["timeUsed"] <= 0:
        return "timeUsed must be a positive integer (s)"
    if not isinstance(r["steps"], list) or not r["steps"]:
        return "steps must be a non-empty array"
    for i, s in enumerate(r["steps"]):
        for k in STEP:
            if k not in s:
                return "steps[%d]: missing %s" % (i, k)
        if not is_int(s["seq"]) or s["seq"] != i + 1:
            return "steps[%d]: seq must be %d" % (i, i + 1)
        for k, n in STEP_LIMITS.items():
            if not isinstance(s[k], str) or len(s[k]) > n:
                return "steps[%d]: %s must be a string of at most %d characters" % (i, k, n)
        if not s["title"]:
            return "steps[%d]: empty title" % i
        for k in ("startTime", "endTime"):
            if not is_int(s[k]) or len(str(s[k])) != 13:
                return "steps[%d]: %s must be 13-digit milliseconds" % (i, k)
        for k in ("timeUsed", "expectTime", "repeatCount"):
            if not is_int(s[k]) or s[k] <= 0:
                return "steps[%d]: %s must be a positive integer" % (i, k)
        for k in ("maxScore", "score"):
            if not is_num(s[k]) or s[k] < 0:
                return "steps[%d]: %s must be a number >= 0" % (i, k)
        if s["score"] > s["maxScore"]:
            return "steps[%d]: score above maxScore" % i
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--appid", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--ticket", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dump")
    a = ap.parse_args()
    tokens = {}
    uploads = []
    seen = set()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, obj, status=200):
            b = json.dumps(obj, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            u = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
            if u.path == "/open/api/v2/token":
                want = hashlib.md5((q.get("ticket", "") + q.get("appid", "") + a.secret).encode()).hexdigest().upper()
                if q.get("appid") != a.appid:
                    return self.reply({"code": 1, "msg": "unknown appid"})
                if q.get("ticket") != a.ticket:
                    return self.reply({"code": 1, "msg": "invalid ticket"})
                if q.get("signature") != want:
                    return self.reply({"code": 1, "msg": "signature mismatch"})
                tok = secrets.token_urlsafe(24)
                now = int(time.time() * 1000)
                tokens[tok] = now
                return self.reply({"code": 0, "access_token": tok, "create_time": now,
                                   "expires_time": now + 7_200_000, "un": "ilabx-user", "dis": "test"})
            if u.path == "/_uploads":
                return self.reply(uploads)
            self.reply({"code": 404, "msg": "not found"}, 404)

        def do_POST(self):
            u = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            if u.path != "/open/api/v2/data_upload":
                return self.reply({"code": 404, "msg": "not found"}, 404)
            if q.get("access_token") not in tokens:
                return self.reply({"code": 3, "msg": "invalid access_token"})
            try:
                r = json.loads(body.decode("utf-8"))
            except Exception:
                return self.reply({"code": 2, "msg": "body is not UTF-8 JSON"})
            problem = check_record(r, a.appid, seen)
            if problem:
                return self.reply({"code": 2, "msg": problem})
            seen.add(r["originId"])
            uploads.append(r)
            if a.dump:
                with open(a.dump, "a", encoding="utf-8") as f:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
            self.reply({"code": 0, "msg": "success"})

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
