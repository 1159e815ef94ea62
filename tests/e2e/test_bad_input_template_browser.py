"""Bad input in the Prompt-template editor in a real browser: a broken Jinja template, template
injection payloads and a resource-exhaustion payload each give a clear message under the box,
never an exception box, nothing runs, and the page keeps working with a fixed template."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait, screenshot,
)

pytestmark = pytest.mark.e2e

TEMPLATES_URL = page_url(next(p for p in PAGES if p.path.endswith("Prompt_Templates.py")).path)


def test_bad_input_broken_and_malicious_templates_in_the_browser(fresh_server, page, tmp_path):
    marker = tmp_path / "ssti-marker-file"
    open_page(page, fresh_server.url(TEMPLATES_URL))
    pick_option(page, "Data set", "California housing (tabular)")  # the templates name its columns
    main = main_area(page)
    main.get_by_role("combobox", name="Serializer").click()
    rerun_and_wait(page, page.get_by_role("option", name="jinja", exact=True).click)
    box = main.get_by_role("textbox", name="Jinja template (one row)")
    alerts = main.locator('[data-testid="stAlert"]')

    for text, words in [
        ("Income: {{ MedInc }}\nAge: {% if HouseAge %}", "Line 2: Syntax error"),
        (f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}",
         "is not allowed in templates"),
        (f"{{% for c in [].__class__.__base__.__subclasses__() %}}{{{{ c('touch {marker}') }}}}"
         "{% endfor %}", "is not allowed in templates"),
        ("{{ range(10**10)|list }}", "range() is limited to 10,000 numbers"),
    ]:
        box.fill(text)
        rerun_and_wait(page, lambda: box.press("Control+Enter"))
        expect(alerts.filter(has_text=words).first).to_be_visible()
        expect(main.get_by_text("Fix the template's problems (on the left)")).to_be_visible()
        assert_no_exception(page)
        assert not marker.exists(), "a template ran a shell command"
    alerts.first.scroll_into_view_if_needed()
    screenshot(page, "prompt_templates_bad_input")

    box.fill("Income {{ MedInc }}, age {{ HouseAge }} 🏠")
    rerun_and_wait(page, lambda: box.press("Control+Enter"))
    preview = main.locator('[data-testid="stCode"]', has_text=re.compile(r"Income \d.*🏠"))
    expect(preview.first).to_be_visible()  # rendered prompts, not the template's YAML
    expect(alerts.filter(has_text="Line ")).to_have_count(0)
    assert_no_exception(page)
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
