#!/usr/bin/env python3
"""Lists Swift functions longer than a limit (default 80 lines) under Sources/.

Usage: Tools/scripts/long-functions.py [--limit N] [--count] [ROOT ...]

A function is `func`, `init` or `subscript` with a body; its length runs from the line of
the keyword to the line of the closing brace. Braces are matched on code only: comments and
string literals (plain, multi-line, raw) are skipped. Prints `lines  file:line  name`, longest
first; `--count` prints only how many there are. A function whose comment block above it has a
line saying `Long: why` is listed apart, as justified, and not counted. Exit status 0.
"""
import os
import re
import sys


def code_mask(text):
    """True for each character that is code (not in a comment or a string literal)."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j): mask[k] = False
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j): depth += 1; j += 2
                elif text.startswith("*/", j): depth -= 1; j += 2
                else: j += 1
            for k in range(i, j): mask[k] = False
            i = j
        elif c == '"' or (c == "#" and re.match(r'#+"', text[i:i + 8])):
            hashes = 0
            while text[i + hashes] == "#": hashes += 1
            start = i
            j = i + hashes
            multi = text.startswith('"""', j)
            close = ('"""' if multi else '"') + "#" * hashes
            j += 3 if multi else 1
            while j < n:
                if hashes == 0 and text[j] == "\\": j += 2; continue
                if text.startswith(close, j): j += len(close); break
                if not multi and text[j] == "\n": break
                j += 1
            for k in range(start, min(j, n)): mask[k] = False
            i = j
        else:
            i += 1
    return mask


DECL = re.compile(r"\b(func\s+([^\s(<]+)|init[?!]?\s*[(<]|subscript\s*[(<])")


def functions(path):
    text = open(path, encoding="utf-8").read()
    mask = code_mask(text)
    line_of = []
    line = 1
    for ch in text:
        line_of.append(line)
        if ch == "\n": line += 1
    out = []
    for m in DECL.finditer(text):
        if not mask[m.start()]: continue
        name = m.group(2) or m.group(1).split("(")[0].split("<")[0].strip()
        # The body: the first code '{' before any other declaration or closing brace.
        j, depth_paren, body = m.end(), 0, None
        while j < len(text):
            if mask[j]:
                ch = text[j]
                if ch in "([": depth_paren += 1
                elif ch in ")]": depth_paren -= 1
                elif ch == "{" and depth_paren <= 0: body = j; break
                elif ch == "}" and depth_paren <= 0: break
                elif depth_paren <= 0 and DECL.match(text, j) and j > m.end(): break
            j += 1
        if body is None: continue
        depth, k = 0, body
        while k < len(text):
            if mask[k]:
                if text[k] == "{": depth += 1
                elif text[k] == "}":
                    depth -= 1
                    if depth == 0: break
            k += 1
        first, last = line_of[m.start()], line_of[min(k, len(text) - 1)]
        out.append((last - first + 1, path, first, name, justified(text, m.start())))
    return out


def justified(text, start):
    """The `Long: why` line in the comment and attribute lines right above a declaration, or None."""
    lines = text[:start].split("\n")[:-1]
    for ln in reversed(lines):
        t = ln.strip()
        if t.startswith("///") or t.startswith("//"):
            m = re.match(r"//+\s*Long:\s*(.+)", t)
            if m: return m.group(1)
        elif not t.startswith("@"):
            return None
    return None


def main(argv):
    limit, count_only, roots = 80, False, []
    i = 0
    while i < len(argv):
        if argv[i] == "--limit": limit = int(argv[i + 1]); i += 2
        elif argv[i] == "--count": count_only = True; i += 1
        else: roots.append(argv[i]); i += 1
    roots = roots or ["Sources"]
    found = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith(".swift"):
                    found += [x for x in functions(os.path.join(dirpath, f)) if x[0] > limit]
    found.sort(key=lambda x: (-x[0], x[1], x[2]))
    unjustified = [x for x in found if x[4] is None]
    if count_only:
        print(len(unjustified))
    else:
        for n, path, line, name, why in unjustified + [x for x in found if x[4] is not None]:
            print(f"{n:5d}  {path}:{line}  {name}" + (f"  (long: {why})" if why else ""))
        print(f"{len(unjustified)} function(s) over {limit} lines without a reason; "
              f"{len(found) - len(unjustified)} with one", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
