#!/usr/bin/env python3
"""How many bytes of trees one register writes, and how many folders a checkout has,
for the entry layouts docs/design.md ("Scale") compares, at 100,000 entries.

A simulation, not a measurement: each tree on the new entry's path is serialized as
git does (mode, name, 20-byte id; random ids, which do not compress) and compressed
with zlib level 1, as git and gix write loose objects. The benchmark
(`cargo bench --bench repodex`) measures the layout repodex uses.

Usage: python3 benches/layouts.py [ENTRIES]
"""
import collections
import hashlib
import os
import sys
import zlib


def tree_size(children):
    body = b"".join(
        (b"40000 " if is_dir else b"100644 ") + name.encode() + b"\0" + os.urandom(20)
        for name, is_dir in sorted(children)
    )
    return len(zlib.compress(b"tree %d\0" % len(body) + body, 1))


def register_cost(paths, new_path):
    """Bytes of the trees a commit adding `new_path` to `paths` writes."""
    children = collections.defaultdict(set)
    for path in paths + [new_path]:
        parts = path.split("/")
        for i in range(len(parts)):
            children["/".join(parts[:i])].add((parts[i], i < len(parts) - 1))
    parts = new_path.split("/")
    return sum(tree_size(children["/".join(parts[:i])]) for i in range(len(parts)))


def sha(text):
    return hashlib.sha1(text.encode()).hexdigest()


def flat(name):
    return name.replace("/", "+")


LAYOUTS = {
    "format 1, repos/<name>.toml": lambda n: f"repos/{n}.toml",
    "repos/<hash of owner: 2 hex>/<name>.toml": lambda n: f"repos/{sha(n.split('/')[0])[:2]}/{n}.toml",
    "repos/<hash of name: 2 hex>/<name>.toml": lambda n: f"repos/{sha(n)[:2]}/{n}.toml",
    "repos/<2 hex>/<owner+repo>.toml": lambda n: f"repos/{sha(n)[:2]}/{flat(n)}.toml",
    "repos/<1 hex>/<1 hex>/<owner+repo>.toml": lambda n: f"repos/{sha(n)[0]}/{sha(n)[1]}/{flat(n)}.toml",
    "repos/<2 hex>/<1 hex>/<owner+repo>.toml (format 2)": lambda n: f"repos/{sha(n)[:2]}/{sha(n)[2]}/{flat(n)}.toml",
    "repos/<1 hex>/<1 hex>/<1 hex>/<owner+repo>.toml": lambda n: f"repos/{sha(n)[0]}/{sha(n)[1]}/{sha(n)[2]}/{flat(n)}.toml",
}

SPREADS = {
    "1,000 owners": lambda i: f"owner{i % 1000}/project-{i}",
    "one owner": lambda i: f"acme/project-{i}",
    "10,000 owners": lambda i: f"owner{i % 10000}/project-{i}",
}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"bytes of trees one register writes at {n} entries, and folders")
    for label, layout in LAYOUTS.items():
        row = []
        for spread in SPREADS.values():
            paths = [layout(spread(i)) for i in range(n)]
            row.append(register_cost(paths, layout(spread(n + 7))) / 1024)
        folders = len({p.rsplit("/", 1)[0] for p in [layout(SPREADS["1,000 owners"](i)) for i in range(n)]})
        cells = "  ".join(f"{s}: {kb:6.1f} KB" for s, kb in zip(SPREADS, row))
        print(f"{label:55} {cells}  leaf folders: {folders}")


if __name__ == "__main__":
    main()
