"""Mutation score per module from mutmut 3's results (``make mutation`` writes benchmarks/MUTATION.md with it).

Usage: ``python benchmarks/mutation_report.py`` after ``mutmut run``; reads ``mutmut results --all true``.

Survivors judged equivalent (the mutant behaves as the code does for every input the program can get, e.g. a
renamed key inside hashed material, or ``split(".", 2)[0]`` for ``split(".", 1)[0]``) are listed in
``benchmarks/mutation_equivalent.txt`` with the reason, one ``name  # reason`` a line; the report gives the
score with and without them. mutmut numbers mutants per function, so the list is checked against each run:
a listed name that is no longer a survivor is reported, not counted.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "benchmarks" / "mutation_equivalent.txt"


def module_of(name: str) -> str:
    module = name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]
    return module.split("__mutmut_")[0].rsplit(".", 1)[0] if "__mutmut_" in module else module


def read_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """``{mutant name: reason}`` of the judged-equivalent survivors."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            if name.strip():
                out[name.strip()] = reason.strip()
    return out


def score(c: Counter) -> str:
    checked = sum(c.values()) - c["not checked"]
    return f"{(c['killed'] + c['timeout']) / checked:.1%}" if checked else "–"


def main() -> None:
    out = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    equivalent = read_equivalent()
    per = defaultdict(Counter)
    survivors = defaultdict(list)
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        per[module_of(name)][status] += 1
        if status == "survived":
            survivors[module_of(name)].append(name)
    stale = sorted(set(equivalent) - {n for names in survivors.values() for n in names})
    lines = ["# Mutation testing (mutmut 3, `make mutation`)", "",
             "Each core module's mutants run against the module's own tests (pyproject.toml `[tool.mutmut]`).",
             "Score = killed / checked (timeouts count as killed, as mutmut counts them; mutants not checked when",
             "the run was stopped are left out). The last column leaves out the survivors judged equivalent",
             "(`benchmarks/mutation_equivalent.txt`, each with its reason).", "",
             "| module | mutants | checked | killed | survived | not checked | score | equivalent | score without them |",
             "|---|---|---|---|---|---|---|---|---|"]
    tot = Counter()

    def row(name: str, c: Counter, eq: int) -> str:
        n, killed = sum(c.values()), c["killed"] + c["timeout"]
        rest = Counter(c)
        rest["survived"] -= eq
        return (f"| {name} | {n} | {n - c['not checked']} | {killed} | {c['survived']} | {c['not checked']} | "
                f"{score(c)} | {eq} | {score(+rest)} |")

    eq_all = 0
    for module in sorted(per):
        tot.update(per[module])
        eq = sum(n in equivalent for n in survivors[module])
        eq_all += eq
        lines.append(row(module, per[module], eq))
    lines.append(row("**all**", tot, eq_all))
    lines += ["", "All statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(tot.items()))]
    if stale:
        lines += ["", f"Listed as equivalent but not a survivor of this run (renumbered or killed): {len(stale)}"]
    lines += ["", "## Survivors not judged equivalent", ""]
    for m, names in sorted(survivors.items()):
        rest = [n.split(".")[-1] for n in names if n not in equivalent]
        if rest:
            lines.append(f"- {m}: " + ", ".join(rest[:60]) + (f" … ({len(rest)})" if len(rest) > 60 else ""))
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks/MUTATION.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
