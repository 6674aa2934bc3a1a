#!/usr/bin/env python3
"""List public symbols without a documentation comment, from the symbol graphs that
`swift package generate-documentation` extracts (run it first for each target).

Usage: python3 scripts/undocumented.py [TARGET...]   (default: SparseLMM GLMM)
"""
import glob, json, sys

targets = sys.argv[1:] or ["SparseLMM", "GLMM"]
missing = 0
seen = set()
for t in targets:
    # the module's own graph and the graphs of its extensions to other modules' types
    paths = glob.glob(f".build*/**/extracted-symbols/**/{t}/{t}.symbols.json", recursive=True)
    paths += glob.glob(f".build*/**/extracted-symbols/**/{t}/{t}@*.symbols.json", recursive=True)
    for path in paths:
        graph = json.load(open(path))
        for s in graph["symbols"]:
            if s.get("accessLevel") not in ("public", "open"):
                continue
            kind = s["kind"]["identifier"]
            if s.get("docComment") is None:
                name = ".".join(s["pathComponents"])
                # members synthesised or inherited from protocols (==, description of an enum) are skipped
                if name.endswith(("==(_:_:)", "!=(_:_:)", "hash(into:)", "hashValue", "init(rawValue:)", "rawValue", "allCases", "RawValue", "AllCases")):
                    continue
                if (t, kind, name) in seen:
                    continue  # the same graph in another build folder
                seen.add((t, kind, name))
                print(f"{t}: {kind} {name}")
                missing += 1
print(f"{missing} public symbols without documentation", file=sys.stderr)
sys.exit(1 if missing else 0)
