#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 100 lines) and files longer than 600 lines,
outside tests (tests/ folders, tests.rs files, #[cfg(test)] modules) and examples.

Usage: scripts/long-functions.py [--check] [--limit N] [--files N] [paths…]   (default: crates)
--check exits 1 when anything is over (CI runs it).
A file over the file limit is accepted when its first 15 lines say why ("long because" or
"over 600 lines").
"""
import argparse, os, re, sys

FN = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"[^"]*"\s+)?fn\s+(\w+)')

def strip(line, state):
    """Removes strings, chars and comments from a line; state carries block comments/raw strings."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        if state['block']:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out)
            state['block'] = False
            i = j + 2
            continue
        if state['raw'] is not None:
            end = '"' + '#' * state['raw']
            j = line.find(end, i)
            if j < 0:
                return ''.join(out)
            state['raw'] = None
            i = j + len(end)
            continue
        if state['str']:
            while i < n:
                if line[i] == '\\':
                    i += 2
                    continue
                if line[i] == '"':
                    state['str'] = False
                    i += 1
                    break
                i += 1
            continue
        c = line[i]
        if line.startswith('//', i):
            break
        if line.startswith('/*', i):
            state['block'] = True
            i += 2
            continue
        m = re.match(r'b?r(#*)"', line[i:])
        if m and (i == 0 or not (line[i-1].isalnum() or line[i-1] == '_')):
            state['raw'] = len(m.group(1))
            i += m.end()
            continue
        if c == '"':
            state['str'] = True
            i += 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|[^\\'])'", line[i:]) or re.match(r"'\\u\{[0-9a-fA-F]+\}'", line[i:])
            if m:
                i += m.end()
                continue
        out.append(c)
        i += 1
    return ''.join(out)

def item_end(code, start):
    """The last line of the item starting at `start` (its closing brace, or its `;` when it has no
    body), and whether it has a body."""
    depth = 0
    started = False
    j = start
    while j < len(code):
        depth += code[j].count('{') - code[j].count('}')
        if '{' in code[j]:
            started = True
        if started and depth <= 0:
            break
        if not started and code[j].rstrip().endswith(';'):
            break
        j += 1
    return j, started

def scan(path, limit):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    state = {'block': False, 'raw': None, 'str': False}
    code = [strip(l, state) for l in lines]
    found = []
    skip_until = -1
    i = 0
    while i < len(code):
        l = code[i]
        if i > skip_until and re.match(r'^\s*#\[cfg\(test\)\]', l):
            # skip the next item (a test module) entirely
            i = item_end(code, i + 1)[0] + 1
            continue
        m = FN.match(l)
        if m:
            j, started = item_end(code, i)
            if started:
                length = j - i + 1
                if length > limit:
                    found.append((length, m.group(7), i + 1))
        i += 1
    return found, len(lines), lines[:15]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=100)
    ap.add_argument('--files', type=int, default=600)
    ap.add_argument('--check', action='store_true', help='exit 1 when a function or an unexplained file is over')
    ap.add_argument('paths', nargs='*', default=['crates'])
    a = ap.parse_args()
    fns, files = [], []
    for root in a.paths:
        for d, dirs, names in os.walk(root):
            parts = d.split(os.sep)
            if 'tests' in parts or 'examples' in parts or 'benches' in parts or 'target' in parts:
                continue
            for nm in names:
                if not nm.endswith('.rs') or nm == 'tests.rs':
                    continue
                p = os.path.join(d, nm)
                found, n, head = scan(p, a.limit)
                fns += [(ln, name, p, at) for ln, name, at in found]
                if n > a.files:
                    why = any('long because' in h.lower() or 'over 600 lines' in h.lower() for h in head)
                    files.append((n, p, why))
    fns.sort(reverse=True)
    print(f'functions over {a.limit} lines: {len(fns)}')
    for ln, name, p, at in fns:
        print(f'  {ln:4} {p}:{at} {name}')
    bad = [f for f in files if not f[2]]
    print(f'files over {a.files} lines: {len(files)} ({len(bad)} without a stated reason)')
    for n, p, why in sorted(files, reverse=True):
        print(f'  {n:5} {p}' + ('  (reason stated)' if why else ''))
    return 1 if a.check and (fns or bad) else 0

if __name__ == '__main__':
    sys.exit(main())
