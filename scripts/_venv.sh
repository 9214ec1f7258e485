# Shared by scripts/test and scripts/demo: find Python 3.12 and make the virtualenv ($VENV, default .venv).
# Saleor 3.21-3.23 runs on Python 3.12 only, so the plugin is installed and tested with it.

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for dir in "$root"/versions/3.12*; do
      [ -x "$dir/bin/python3.12" ] && candidates+=("$dir/bin/python3.12")
    done
  fi
  candidates+=(python3.12 python3)
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

# ensure_venv EXTRAS: create $VENV if needed and install the package with those extras within Saleor's locked versions.
ensure_venv() {
  VENV="${VENV:-.venv}"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)'; then
    if ! PY="$(find_python)"; then
      echo "error: Python 3.12 not found. Saleor 3.21-3.23 runs on Python 3.12 only." >&2
      echo "Install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
      exit 2
    fi
    echo "==> creating $VENV with $PY"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
  fi
  echo "==> installing saleor-journey[$1] within constraints/saleor-3.23.28.txt"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints/saleor-3.23.28.txt -e ".[$1]"
}
