#!/usr/bin/env python3
"""A short tour of a running demo lab (hazlab lab demo + hazlab serve), for Tools/demo.sh:
health, the teacher's class, and what a student is refused. Standard library only.
Usage: demo-tour.py BASE_URL"""
import http.cookiejar
import json
import sys
import urllib.error
import urllib.request

base = sys.argv[1].rstrip("/")


def client():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(opener, method, path, body=None, csrf=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if csrf:
        req.add_header("X-CSRF-Token", csrf)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text


anyone = client()
status, health = call(anyone, "GET", "/health")
print(f"GET /health → {status} {json.dumps(health, ensure_ascii=False)}")

teacher = client()
status, me = call(teacher, "POST", "/api/login", {"user": "teacher", "password": "demo-pass-1"})
print(f"teacher signs in → {status} role={me.get('role') if isinstance(me, dict) else me}")
status, cls = call(teacher, "GET", "/api/classes/demo-class")
members = ", ".join(f"{m['id']} {m['name']}" for m in cls.get("members", [])) if isinstance(cls, dict) else cls
print(f"teacher: GET /api/classes/demo-class → {status}: {members}")

student = client()
status, _ = call(student, "POST", "/api/login", {"user": "s001", "password": "demo-pass-1"})
print(f"s001 signs in → {status}")
status, body = call(student, "GET", "/api/classes/demo-class")
print(f"s001: GET /api/classes/demo-class → {status} (a student may not read the class list)")
status, body = call(anyone, "POST", "/api/login", {"user": "s001", "password": "wrong"})
status2, body2 = call(anyone, "POST", "/api/login", {"user": "nobody", "password": "wrong"})
print(f"wrong password → {status}, unknown account → {status2}; same answer: {body == body2}")
