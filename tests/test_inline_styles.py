"""No inline style anywhere in Byline's own markup: the Content-Security-Policy (`style-src
'self'`) would refuse it. (tests/browser/test_csp.py checks the pages themselves.)"""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ["accounts", "blog", "comments", "config", "markup", "pagecache", "uploads"]
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=\s*[\"']", re.I)
# In scripts, `el.style.x = ...` is allowed by CSP; writing a style attribute is not.
SCRIPT_STYLE = re.compile(r"setAttribute\(\s*[\"']style|cssText|style\s*=\s*\\?[\"']", re.I)


def offending_lines(paths, pattern):
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_templates_and_python_markup_carry_no_inline_style():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    for app in APPS:
        templates += sorted((ROOT / app).rglob("templates/**/*.html"))
    python = [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    markup_in_python = re.compile(r"<[a-z][^>]*\sstyle\s*=|<style\b", re.I)
    assert templates and python
    assert offending_lines(templates, INLINE_STYLE) == []
    assert offending_lines(python, markup_in_python) == []


def test_scripts_set_no_style_attribute():
    scripts = sorted((ROOT / "static").rglob("*.js"))
    assert scripts
    assert offending_lines(scripts, SCRIPT_STYLE) == []
