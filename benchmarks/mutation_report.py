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
             "Score = killed / checked (timeouts count as killed, as mutmut counts them; mutants not checked when",
             "the run was stopped are left out).", "",
             "| module | mutants | checked | killed | survived | not checked | score |", "|---|---|---|---|---|---|---|"]
    tot = Counter()
    def row(name: str, c: Counter) -> str:
        n, killed = sum(c.values()), c["killed"] + c["timeout"]
        checked = n - c["not checked"]
        score = f"{killed / checked:.1%}" if checked else "–"
        return f"| {name} | {n} | {checked} | {killed} | {c['survived']} | {c['not checked']} | {score} |"

    for module in sorted(per):
        tot.update(per[module])
        lines.append(row(module, per[module]))
    lines.append(row("**all**", tot))
    lines += ["", "All statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(tot.items())), "",
              "## Survivors", ""] + [f"- {m}: " + ", ".join(n.split(".")[-1] for n in names[:40])
                                     + (f" … ({len(names)})" if len(names) > 40 else "")
                                     for m, names in sorted(survivors.items())] + [""]
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks/MUTATION.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
