#!/usr/bin/env python3
"""Finds dependency cycles between the modules (files) of each crate under crates/.

A module depends on another when its code names it: `use crate::a::b…`, `crate::a::b::f()`,
`super::x`, `self::x`. `mod x;` declarations and `pub use` re-exports are not dependencies (they
place and name items, they do not use them). Test modules (`#[cfg(test)]` to the end of a file,
tests.rs) are left out. Exit status 1 when a cycle is found.

Usage: scripts/module-cycles.py [crate dirs…]   (default: every crates/*)
"""
import os, re, sys

def modules(src):
    """Maps module paths (tuples) to files."""
    out = {}
    for d, _, names in os.walk(src):
        for n in names:
            if not n.endswith('.rs'):
                continue
            rel = os.path.relpath(os.path.join(d, n), src)[:-3].split(os.sep)
            if rel == ['lib'] or rel == ['main']:
                path = ()
            elif rel[-1] == 'mod':
                path = tuple(rel[:-1])
            else:
                path = tuple(rel)
            if path and path[-1] == 'tests':
                continue
            if 'bin' in rel[:1]:
                continue
            out[path] = os.path.join(d, n)
    return out

REF = re.compile(r'\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)')

def code_of(path):
    text = open(path, encoding='utf-8').read()
    m = re.search(r'^#\[cfg\(test\)\]\s*\n\s*mod\s+tests', text, re.M)
    if m:
        text = text[:m.start()]
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return text

def resolve(mods, base, parts):
    """The longest prefix of `parts` (after base) that is a module."""
    best = None
    cur = tuple(base)
    if cur in mods:
        best = cur
    for p in parts:
        cur = cur + (p,)
        if cur in mods:
            best = cur
        else:
            break
    return best

def use_targets(stmt):
    """Expands a use tree `a::{b, c::d}` into paths."""
    stmt = stmt.strip().rstrip(';')
    m = re.match(r'^([^{]*?)(?:::)?\{(.*)\}$', stmt, re.S)
    if not m:
        return [stmt]
    head, body = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ''
    for ch in body:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur); cur = ''
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        if not p:
            continue
        for t in use_targets(p):
            out.append(head + '::' + t if head else t)
    return out

def edges_of(mods, path, me):
    text = code_of(path)
    deps = set()
    def add(root, rest):
        segs = [s for s in rest.split('::') if s and s != 'self']
        segs = [s.split(' as ')[0].strip() for s in segs]
        if root == 'crate':
            base = ()
        elif root == 'super':
            base = me[:-1] if not path.endswith('mod.rs') and not path.endswith('lib.rs') else me[:-1]
            while segs and segs[0] == 'super':
                base = base[:-1]; segs = segs[1:]
        else:
            base = me
        t = resolve(mods, base, segs)
        if t is not None and t != me:
            deps.add(t)
    for m in re.finditer(r'(?m)^\s*(pub(\([^)]*\))?\s+)?use\s+([^;]+);', text):
        if m.group(1):
            continue  # a re-export
        for t in use_targets(m.group(3)):
            t = t.strip()
            mm = re.match(r'^(crate|super|self)((?:::.*)?)$', t, re.S)
            if mm:
                add(mm.group(1), mm.group(2))
    body = re.sub(r'(?m)^\s*(pub(\([^)]*\))?\s+)?use\s+[^;]+;', '', text)
    for m in REF.finditer(body):
        add(m.group(1), m.group(2))
    return deps

def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1:
                out.append(comp)
    for v in graph:
        if v not in index:
            visit(v)
    return out

def name(p):
    return 'crate' if not p else '::'.join(p)

def main():
    crates = sys.argv[1:] or sorted(os.path.join('crates', c) for c in os.listdir('crates'))
    found = 0
    for c in crates:
        src = os.path.join(c, 'src')
        if not os.path.isdir(src):
            continue
        mods = modules(src)
        graph = {m: edges_of(mods, f, m) for m, f in mods.items()}
        # The crate root only declares and re-exports; an edge into it is a use of its own items.
        for comp in sccs(graph):
            found += 1
            print(f'{c}: cycle among ' + ', '.join(sorted(name(m) for m in comp)))
    print(f'module cycles: {found}')
    return 1 if found else 0

if __name__ == '__main__':
    sys.exit(main())
