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
