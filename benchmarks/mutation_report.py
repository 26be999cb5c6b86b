"""Mutation score per module from mutmut 3's results (``make mutation`` writes benchmarks/MUTATION.md with it).

Usage: ``python benchmarks/mutation_report.py`` after ``mutmut run``; reads ``mutmut results --all true``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    out = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    per = defaultdict(Counter)
    survivors = defaultdict(list)
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]
        module = module.split("__mutmut_")[0].rsplit(".", 1)[0] if "__mutmut_" in module else module
        per[module][status] += 1
        if status == "survived":
            survivors[module].append(name)
    lines = ["# Mutation testing (mutmut 3, `make mutation`)", "",
             "Each core module's mutants run against the module's own tests (pyproject.toml `[tool.mutmut]`).",
             "", "| module | mutants | killed | survived | other | score |", "|---|---|---|---|---|---|"]
    tot = Counter()
    for module in sorted(per):
        c = per[module]
        n = sum(c.values())
        other = n - c["killed"] - c["survived"]
        tot.update(c)
        lines.append(f"| {module} | {n} | {c['killed']} | {c['survived']} | {other} | {c['killed'] / n:.1%} |")
    n = sum(tot.values())
    lines.append(f"| **all** | {n} | {tot['killed']} | {tot['survived']} | {n - tot['killed'] - tot['survived']} | "
                 f"**{tot['killed'] / n:.1%}** |")
    lines += ["", "Statuses other than killed/survived: " + ", ".join(f"{k} {v}" for k, v in tot.items()
                                                                       if k not in ("killed", "survived")), ""]
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks/MUTATION.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
