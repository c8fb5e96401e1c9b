#!/usr/bin/env python3
"""The source layout's rules (issue 16):
- no Swift file over 500 lines (Sources, Tests, Examples, Benchmarks);
- no folder-level dependency cycle inside a module of Sources/ (or an example's Sources/):
  folder A depends on folder B when a file in A names a type declared at the top level of
  a file in B. A cycle means two folders are one concept split, or a helper sits above its
  user; move the file that closes it.
- every command-line option is declared once: a flag two command files declare belongs
  in an option group (Sources/ReclaimBenchCLI/Options/).
Names are found lexically (comments and string literals removed), so a use through type
inference alone is not seen: the check can miss an edge, never invent one from a comment.
Exit 1 with the offending files, folders and the names that make each edge.

  python3 scripts/layout-check.py [ROOT]
"""
import collections, os, re, sys

LIMIT = 500
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
DECL = re.compile(r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|fileprivate|private|package|final|indirect|open)\s+)*"
                  r"(?:struct|class|enum|protocol|actor|typealias)\s+([A-Z]\w*)", re.M)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def swift_files(top):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".swift"):
                yield os.path.join(folder, name)


problems = []
for area in ("Sources", "Tests", "Examples", "Benchmarks"):
    for path in swift_files(os.path.join(root, area)):
        lines = sum(1 for _ in open(path, encoding="utf-8"))
        if lines > LIMIT:
            problems.append(f"{os.path.relpath(path, root)}: {lines} lines (limit {LIMIT})")

module_roots = [os.path.join(root, "Sources")]
examples = os.path.join(root, "Examples")
if os.path.isdir(examples):
    module_roots += [os.path.join(examples, e, "Sources") for e in sorted(os.listdir(examples))
                     if os.path.isdir(os.path.join(examples, e, "Sources"))]


def cycles(module_dir):
    def folder(path):
        parts = os.path.relpath(path, module_dir).split(os.sep)
        return parts[0] if len(parts) > 1 else "."
    texts, owners = {}, collections.defaultdict(set)
    for path in swift_files(module_dir):
        text = STRING.sub('""', re.sub(r"//.*", "", open(path, encoding="utf-8").read()))
        texts[path] = text
        for match in DECL.finditer(text):
            owners[match.group(1)].add(folder(path))
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for path, text in texts.items():
        here = folder(path)
        for name in set(re.findall(r"\b[A-Z]\w*\b", text)):
            for there in owners.get(name, ()):
                if there != here:
                    edges[here][there].add(name)
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop(); on.discard(w); component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))
    for v in sorted({folder(p) for p in texts}):
        if v not in index:
            visit(v)
    return found, edges


for modules in module_roots:
    if not os.path.isdir(modules):
        continue
    for module in sorted(os.listdir(modules)):
        module_dir = os.path.join(modules, module)
        if not os.path.isdir(module_dir):
            continue
        found, edges = cycles(module_dir)
        for component in found:
            detail = "; ".join(f"{a} → {b} ({', '.join(sorted(edges[a][b])[:4])})"
                               for a in component for b in component if b in edges[a])
            problems.append(f"{os.path.relpath(module_dir, root)}: folders in a cycle: {', '.join(component)} — {detail}")

# Options declared in more than one command file.
commands = os.path.join(root, "Sources", "ReclaimBenchCLI", "Commands")
declared = collections.defaultdict(set)
if os.path.isdir(commands):
    for path in swift_files(commands):
        text = open(path, encoding="utf-8").read()
        for match in re.finditer(r"@(Option|Flag|Argument)\b(\([^\n]*\))?\s*\n?\s*var (\w+)", text):
            long = re.search(r'customLong\("([\w-]+)"\)', match.group(2) or "")
            name = long.group(1) if long else re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), match.group(3))
            declared[name].add(os.path.basename(path))
for name, files in sorted(declared.items()):
    if len(files) > 1:
        problems.append(f"option --{name} is declared in {', '.join(sorted(files))}: make it an option group in Options/")

for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print("layout: no Swift file over 500 lines, no folder-level cycle, every command-line option declared once")
