import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_login_language_switch_and_logout(page, make, herning):
    user = make.user(organisation=herning, role="therapist", name="Tove Terapeut")
    page.goto("/")
    assert "/login" in page.url
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "wrong-password")
    page.click("input[type=submit], button[type=submit] >> nth=-1")
    assert page.locator("[data-testid=login-error]").is_visible()
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/")
    assert "Tove Terapeut" in page.locator("[data-testid=whoami]").inner_text()
    assert page.locator("html").get_attribute("lang") == "da"
    screenshot(page, "front-page-da")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
