#!/usr/bin/env python3
"""Starts Ralph (an xAPI LRS) on 127.0.0.1 for HazLab's export tests.

    launcher.py --port P --dir DATA_DIR [--user U --password PW]

DATA_DIR holds the statements (Ralph's filesystem backend) and the auth file; the same
DATA_DIR after a restart keeps every statement written before. One uvicorn worker, no
reloader, loopback only (`ralph runserver` binds 0.0.0.0 and forks a reloader). The parent
stops it by PID. Works around two bugs of the fs backend in ralph-malph 5.1.0:

- every write after the first fails with 500 ("overwrite is not allowed"): the backend's
  default operation becomes APPEND;
- the verb= and activity= filters never match: the tests query by registration or
  statementId only.

With --user/--password the auth file is written first with `ralph auth` (all scopes).
"""
import argparse
import os
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()

    data = os.path.abspath(args.dir)
    os.makedirs(os.path.join(data, "statements"), exist_ok=True)
    os.makedirs(os.path.join(data, "app"), exist_ok=True)
    env = {
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_AUTH_FILE": os.path.join(data, "auth.json"),
        "RALPH_APP_DIR": os.path.join(data, "app"),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": os.path.join(data, "statements"),
        "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": os.path.join(data, "statements"),
    }
    os.environ.update(env)
    # Ralph also reads ./.env: run from the data folder so no stray .env is picked up.
    os.chdir(data)

    if args.user and not os.path.exists(env["RALPH_AUTH_FILE"]):
        ralph = os.path.join(os.path.dirname(sys.executable), "ralph")
        # The password goes on ralph's command line only here, in a test harness on loopback.
        subprocess.run([ralph, "auth", "-u", args.user, "-p", args.password, "-s", "all",
                        "-M", "mailto:%s@example.org" % args.user, "-w"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=args.port, workers=1, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
