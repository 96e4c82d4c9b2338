"""Browser tests assert through Playwright's waiting `expect`, never a one-shot `is_visible()` / `count()`.

A one-shot check right after a click reads the page before the response arrives: it passed locally and
failed CI (stop 18). `expect(locator).to_be_visible()` / `.to_have_count(n)` wait up to the timeout.
"""

import re

from tests.conftest import ROOT

ONE_SHOT = re.compile(r"^\s*assert\b.*\.(is_visible|is_hidden)\(\)|^\s*assert\b.*\bpage\b.*\.count\(\)\s*==", re.M)


def test_browser_tests_wait_for_what_they_assert():
    offenders = [
        f"{path.relative_to(ROOT)}:{source[: match.start()].count(chr(10)) + 1}"
        for path in sorted((ROOT / "tests" / "browser").glob("*.py"))
        for source in [path.read_text()]
        for match in ONE_SHOT.finditer(source)
    ]
    assert not offenders, "use expect(...).to_be_visible() / .to_have_count(n), which wait: " + ", ".join(offenders)
