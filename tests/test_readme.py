"""Every command in the README's shell blocks exists, with the options it is given; the first two are the demo and the tests."""

import re
import shlex
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS_DIR = ROOT / "saleor_journey" / "management" / "commands"


def commands() -> list[list[str]]:
    """Each command of the ```sh blocks, as words, without comments, continuations or VAR=value prefixes."""
    found = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", README, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)
            if words:
                found.append(words)
    return found


def options(words: list[str]) -> list[str]:
    return [w.split("=", 1)[0] for w in words if w.startswith("--")]


def check(words: list[str]) -> None:
    first, rest = words[0], words[1:]
    if first.startswith("scripts/"):
        script = ROOT / first
        assert script.is_file(), f"{first} is not an executable script"
        assert script.stat().st_mode & 0o111, f"{first} is not an executable script"
        if first == "scripts/demo":  # its options are the demo's
            source = (ROOT / "demo" / "__main__.py").read_text()
            for option in options(rest):
                assert f'"{option}"' in source, f"scripts/demo has no {option}"
    elif first == ".venv/bin/python":
        script = ROOT / rest[0]
        assert script.is_file(), f"{rest[0]} does not exist"
        for option in options(rest[1:]):
            assert f'"{option}"' in script.read_text(), f"{rest[0]} has no {option}"
    elif first == "python" and rest[:1] == ["manage.py"]:
        command = rest[1]
        if command != "migrate":  # Django's own
            module = COMMANDS_DIR / f"{command}.py"
            assert module.is_file(), f"no management command {command}"
            for option in options(rest[2:]):
                assert f'"{option}"' in module.read_text(), f"{command} has no {option}"
    elif first == "pip":
        assert rest[0] in ("install", "uninstall")
        assert rest[1] == "saleor-journey"
        assert 'name="saleor-journey"' in (ROOT / "setup.py").read_text()
    elif first == "celery":
        assert rest[:2] == ["--app", "saleor.celeryconf:app"]
        assert rest[2] in ("worker", "beat")
        assert (ROOT / "tests" / "contract" / "saleor" / "celeryconf.py").is_file()  # mirrors Saleor's app
        assert shutil.which("celery", path=str(ROOT / ".venv" / "bin")) or shutil.which("celery")
    elif first == "curl":
        assert shutil.which("curl"), "curl is not installed"
        assert any(w.endswith("/plugins/global/saleor.journey/graphql/") for w in rest)
    elif first == "cd":
        assert (ROOT / rest[0]).is_dir(), f"no folder {rest[0]}"
    elif first == "django-admin":
        from django.core.management import load_command_class

        assert rest[0] in ("makemessages", "compilemessages")
        command = load_command_class("django.core", rest[0])
        command.create_parser("django-admin", rest[0]).parse_args(rest[1:])  # exits on an unknown option
    else:
        raise AssertionError(f"the README runs {first!r}; teach tests/test_readme.py how to check it")


def test_the_first_command_is_the_demo_and_the_second_the_tests() -> None:
    found = commands()
    assert found[0] == ["scripts/demo"]
    assert found[1] == ["scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "scripts/test -q" in ci  # CI runs the README's test command, then the benchmarks' smoke runs
    assert ci.index("scripts/test -q") < ci.index("scripts/bench_smoke")


def test_every_command_exists() -> None:
    found = commands()
    assert len(found) >= 12
    for words in found:
        check(words)
