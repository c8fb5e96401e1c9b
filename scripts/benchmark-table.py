#!/usr/bin/env python3
"""Per-operation cost table from package-benchmark's markdown output.

    cd Benchmarks
    swift package benchmark baseline read reference --format markdown | python3 ../scripts/benchmark-table.py

Each benchmark iteration is 1000 operations (scalingFactor .kilo), and the framework
rounds per-operation times to whole nanoseconds; the throughput row keeps three
significant digits, so ns/op is computed from it: 1e9 / (operations per second). The p99
column is the throughput's p99 (the slowest 1 % of 1000-operation iterations).
"""
import re
import sys

scale = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}
rows = {}
target = name = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("## ") and not line.startswith("## Baseline"):
        target = line[3:].strip()
    elif line.startswith("### "):
        name = line[4:].strip()
        rows[(target, name)] = {}
    elif name and line.startswith("| Throughput"):
        unit = re.search(r"\(# / s\)\s*(?:\((\w)\))?", line)
        factor = scale[(unit.group(1) or "") if unit else ""]
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[(target, name)]["p50"] = float(cells[3]) * factor
        rows[(target, name)]["p99"] = float(cells[6]) * factor
    elif name and line.startswith("| Malloc (total)"):
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[(target, name)]["mallocs"] = cells[3]

print("| target | benchmark | median ns/op | p99 ns/op | mallocs/op (median) |")
print("|---|---|---|---|---|")
for (target, name), row in rows.items():
    if "p50" not in row:
        continue
    print(f"| {target} | {name} | {1e9 / row['p50']:.2f} | {1e9 / row['p99']:.2f} | {row.get('mallocs', '-')} |")
