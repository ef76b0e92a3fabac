"""The package layout: imports point one way along the pipeline, and `_names` stay private.

Read with `ast` (nothing is imported): every module's speechlens imports, top-level and inside
functions, form a graph that must have no cycle and no edge running back up the stage order.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "speechlens"

# The order data flows in; a module may import its own stage and the stages before it.
STAGES = (
    ("errors", "labels", "records", "resources"),
    ("reading",),
    ("text",),
    ("model",),
    ("pipeline",),
    ("training",),
    ("comparison",),
    ("output",),
    ("batch",),
    ("cli",),
)

# Function-local imports are a documented choice only for these third-party dependencies: heavy
# (scikit-learn, matplotlib, pandas, pyarrow, dask, scipy, wordcloud) or optional extras, or slow to
# import and not needed by ``import speechlens`` (which must stay cheap and free of side effects).
LOCAL_IMPORTS_ALLOWED = {
    "sklearn", "scipy", "matplotlib", "pandas", "pyarrow", "dask", "distributed", "wordcloud",
    "docx", "pypdf", "fpdf", "jinja2", "numpy", "jieba", "rjieba", "opencc", "pypinyin", "datasketch",
    "ahocorasick", "charset_normalizer", "platformdirs", "tqdm", "fontTools", "PIL", "olefile",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return 0  # the package itself: re-exports only
    for i, names in enumerate(STAGES):
        if parts[1] in names:
            return i
    raise AssertionError(f"{module}: not in any stage of tests/test_layout.py; give it a home")


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, path: Path) -> list[tuple[str, list[str], bool, int]]:
    """(imported module, names, function-local?, line) of every import outside TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking(child):
                continue
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                names = [a.name for a in child.names]
                # `from speechlens.text import dictcache` imports a module
                subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
                found.append((target, names, local, child.lineno))
                found.extend((s, [], local, child.lineno) for s in subs)
            elif isinstance(child, ast.Import):
                found.extend((a.name, [], local, child.lineno) for a in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _internal(target: str) -> bool:
    return target == "speechlens" or target.startswith("speechlens.")


def test_every_module_has_a_stage():
    for module in MODULES:
        _stage(module)


def test_imports_never_run_back_up_the_pipeline():
    wrong = []
    for module, imports in GRAPH.items():
        if module == "speechlens":
            continue
        for target, names, _, line in imports:
            if _internal(target) and target != "speechlens" and _stage(target) > _stage(module):
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}")
            if target == "speechlens" and any(n != "__version__" for n in names):
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports from the "
                             f"package root; import from the module that defines it")
    assert not wrong, "imports against the stage order:\n" + "\n".join(wrong)


def test_no_import_cycles():
    edges = {m: sorted({t for t, *_ in imports if t in MODULES and t != m and t != "speechlens"})
             for m, imports in GRAPH.items()}
    # a subpackage's __init__ importing its own modules is how it re-exports, not a cycle
    edges = {m: [t for t in ts if not t.startswith(m + ".")] for m, ts in edges.items()}
    cycles, state, stack = [], {}, []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in edges[m]:
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            walk(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_function_local_imports_only_for_heavy_dependencies():
    stdlib = set(sys.stdlib_module_names)
    wrong = []
    for module, imports in GRAPH.items():
        for target, _, local, line in imports:
            top = target.split(".")[0]
            if local and top not in LOCAL_IMPORTS_ALLOWED and top not in stdlib and top != "__future__":
                wrong.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target} "
                             f"inside a function")
    assert not wrong, "function-local imports (hoist them, or list a heavy dependency):\n" + "\n".join(wrong)


# Underscored names that belong to someone else's protocol or library, not to a speechlens module.
FOREIGN_PRIVATE = {
    "_exit",        # os._exit: a worker that must die at once
    "_repr_html_",  # IPython's display protocol
    "_tr",          # python-docx: a table row's XML element (row heights have no public API)
    "_p", "_tbl",   # python-docx: a paragraph's and a table's XML element (test documents with
                    # hyperlinks, fields, revisions and late-starting rows: no public API builds them)
    "_asdict",      # namedtuple
}


def _own_private_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)  # __slots__, getattr(..., "_x")
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if n.startswith("_")}


@pytest.mark.parametrize("folder", ["speechlens", "tests", "benchmarks"])
def test_no_private_names_across_modules(folder):
    wrong = []
    for path in sorted((PACKAGE.parent / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _own_private_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("speechlens") or (
                    isinstance(node, ast.ImportFrom) and node.level):
                bad = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if bad:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {', '.join(bad)}")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                    and not node.attr.startswith("__") and node.attr not in own \
                    and node.attr not in FOREIGN_PRIVATE:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} uses .{node.attr}")
    assert not wrong, "private names used across modules:\n" + "\n".join(wrong)


def test_the_folder_reads_like_the_pipeline():
    listed = sorted(p.name for p in PACKAGE.iterdir()
                    if not p.name.startswith((".", "__")) and (p.suffix == ".py" or p.is_dir()))
    stages = {n for names in STAGES for n in names}
    assert {p.removesuffix(".py") for p in listed} - {"data", "templates"} <= stages, listed


def test_the_readme_layout_lists_every_entry_of_the_package():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    entries = [p.name + ("/" if p.is_dir() else "") for p in PACKAGE.iterdir()
               if not p.name.startswith((".", "__")) and (p.suffix == ".py" or p.is_dir())]
    missing = [e for e in entries if e not in section]
    assert not missing, f"README's Layout section does not name {missing}"
