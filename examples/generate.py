#!/usr/bin/env python3
"""Regenerate examples/*.md: run each example of examples.json with the release `lmm`, record the
command, its output and a side-by-side with lme4's numbers (Tests/Fixtures/fits).

Usage (from the repository root): swift build -c release --product lmm && python3 examples/generate.py
"""
import json, os, shlex, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LMM = os.path.join(ROOT, ".build", "release", "lmm")


def run(args):
    return subprocess.run([LMM] + args, capture_output=True, text=True, cwd=ROOT, check=True).stdout


def main():
    examples = json.load(open(os.path.join(ROOT, "examples", "examples.json")))
    index = ["# Worked examples\n", "Each example fits a classic data set with `lmm` and compares the numbers with lme4's.",
             "`ExamplesTests` runs every one of them in CI against the lme4 references.\n"]
    for ex in examples:
        data = os.path.join("examples", "data", ex["data"])
        args = ["fit", data, ex["formula"]] + ex["flags"]
        command = "lmm " + " ".join(shlex.quote(a) for a in args[0:1] + [data, ex["formula"]] + ex["flags"])
        text = run(args)
        ours = json.loads(run(args + ["--format", "json"]))
        ref = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "fits", ex["reference"] + ".json")))
        rows = [("objective (" + ("REML criterion" if ref["method"] == "REML" else "-2 log-likelihood") + ")",
                 ours["objective"], ref["objective"])]
        for k, v in ref["fixef"].items():
            rows.append((f"fixef {k}", ours["fixef"][k], v))
            rows.append((f"se {k}", ours["se"][k], ref["se"][k]))
        for k, v in ref["theta"].items():
            rows.append((f"theta {k}", ours["theta"][k], v))
        if ref.get("sigma") is not None and ref["family"] == "gaussian":
            rows.append(("sigma", ours["sigma"], ref["sigma"]))
        md = [f"# {ex['title']}\n", ex["story"] + "\n", "```sh", command, "```\n", "```", text.rstrip(), "```\n",
              f"Side by side with lme4 ({ref['r_call']}):\n", "| quantity | lmm | lme4 | relative difference |", "|---|---:|---:|---:|"]
        for name, a, b in rows:
            rel = abs(a - b) / max(abs(b), 1e-300)
            md.append(f"| {name} | {a:.8g} | {b:.8g} | {rel:.1e} |")
        open(os.path.join(ROOT, "examples", ex["name"] + ".md"), "w").write("\n".join(md) + "\n")
        index.append(f"- [{ex['title']}]({ex['name']}.md): `{ex['formula']}`")
    open(os.path.join(ROOT, "examples", "README.md"), "w").write("\n".join(index) + "\n")


if __name__ == "__main__":
    main()
