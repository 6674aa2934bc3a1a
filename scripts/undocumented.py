#!/usr/bin/env python3
"""List public symbols without a documentation comment, from the modules' symbol graphs.

Produce the symbol graphs first, with either of:

    swift package dump-symbol-graph --skip-synthesized-members
        (builds the debug configuration in .build, if it is not up to date, and writes
        .build/<triple>/symbolgraph/*.symbols.json; about 25 s when .build is built)
    swift package generate-documentation --target SparseLMM   (and --target GLMM)
        (swift-docc-plugin; the graphs land under .build/plugins/.../extracted-symbols/)

Usage: python3 scripts/undocumented.py [TARGET...]   (default: SparseLMM GLMM)

Exits 0 when every public symbol is documented, 1 when some are not, 2 when no symbol graph
of a target was found (nothing was checked).
"""
import glob, json, sys

targets = sys.argv[1:] or ["SparseLMM", "GLMM"]
missing = 0
seen = set()
for t in targets:
    # the module's own graph and the graphs of its extensions to other modules' types
    paths = glob.glob(f".build*/**/extracted-symbols/**/{t}/{t}.symbols.json", recursive=True)
    paths += glob.glob(f".build*/**/extracted-symbols/**/{t}/{t}@*.symbols.json", recursive=True)
    # swift package dump-symbol-graph
    paths += glob.glob(f".build*/**/symbolgraph/{t}.symbols.json", recursive=True)
    paths += glob.glob(f".build*/**/symbolgraph/{t}@*.symbols.json", recursive=True)
    if not any(p.endswith(f"/{t}.symbols.json") for p in paths):
        print(f"error: no symbol graph of {t} found under .build*/ (nothing was checked); produce them first with\n"
              f"    swift package dump-symbol-graph --skip-synthesized-members\n"
              f"or  swift package generate-documentation --target {t}", file=sys.stderr)
        sys.exit(2)
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
