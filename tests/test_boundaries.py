"""Only the adapter layer may import Saleor; the engine stays usable by a second adapter."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "saleor_journey"
ALLOWED = {PACKAGE / "plugins", PACKAGE / "management" / "commands"}


def saleor_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "saleor" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "saleor":
            lines.append(node.lineno)
    return lines


def test_only_the_adapter_imports_saleor() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if not any(parent in ALLOWED for parent in path.parents) and (lines := saleor_imports(path))
    }
    assert offenders == {}


def test_the_adapter_does_import_saleor() -> None:
    """The check above can see imports at all."""
    assert saleor_imports(PACKAGE / "plugins" / "plugin.py")


def test_django_starting_the_app_gives_the_dispatcher_every_recheck() -> None:
    """A fresh process that only sets Django up (as a Celery worker does) sends with every flow's re-check."""
    import json
    import os
    import subprocess
    import sys

    script = ("import json, django; django.setup(); from saleor_journey.delivery import flow_hooks;"
              "print(json.dumps(sorted(flow_hooks.rechecked_flows())))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    out = subprocess.run([sys.executable, "-c", script], cwd=PACKAGE.parent, env=env, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert json.loads(out.strip().splitlines()[-1]) == ["abandoned_cart", "nps_survey", "post_purchase", "review_request"]


def module_level_wiring(path: Path) -> list[int]:
    """Return the lines where a module registers something as it is imported (a call at its top level)."""
    names = {"register", "register_recheck", "register_context", "connect", "add_periodic_task"}
    lines = []
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in names:
                    lines.append(node.lineno)
    return lines


def test_wiring_happens_in_ready_not_on_import() -> None:
    """Re-checks, receivers and system checks are registered by ``AppConfig.ready``, never by an import."""
    offenders = {str(path.relative_to(PACKAGE)): lines for path in PACKAGE.rglob("*.py")
                 if (lines := module_level_wiring(path))}
    assert offenders == {}
    assert module_level_wiring(PACKAGE / "plugins" / "flow_support.py") == []
