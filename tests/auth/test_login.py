import re
from datetime import timedelta

from depot.auth.models import User
from depot.extensions import db
from depot.organisations.models import utcnow
from tests.conftest import log_in
from tests.factories import PASSWORD


def test_anonymous_is_sent_to_login(client):
    response = client.get("/catalogue/products")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(client, make, herning):
    user = make.user(organisation=herning, role="therapist", email="Tove@Herning.dk")
    response = log_in(client, "tove@herning.dk")  # case-insensitive email
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert user.name in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make, herning):
    user = make.user(organisation=herning)
    response = log_in(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.get_data(as_text=True)
    response = log_in(client, "nobody@example.dk", "whatever-password")
    assert 'data-testid="login-error"' in response.get_data(as_text=True)


def test_repeated_failures_lock_the_account(app, client, make, herning):
    user = make.user(organisation=herning)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        log_in(client, user.email, "wrong-password")
    # Even the right password is refused while locked.
    response = log_in(client, user.email)
    assert response.status_code == 200
    with app.app_context():
        locked = db.session.get(User, user.id)
        assert locked.locked_until is not None and locked.locked_until > utcnow()
        # The lock runs out.
        locked.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert log_in(client, user.email).status_code == 302


def test_inactive_user_cannot_log_in(client, make, herning):
    user = make.user(organisation=herning, active=False)
    assert log_in(client, user.email).status_code == 200


def test_session_ends_after_inactivity(app, client, make, herning):
    user = make.user(organisation=herning)
    log_in(client, user.email)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = session["seen"] - app.config["SESSION_IDLE_TIMEOUT"] - 1
    response = client.get("/")
    assert response.status_code == 302
    assert "expired=1" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, client, make, herning):
    from depot.auth import services

    user = make.user(organisation=herning)
    log_in(client, user.email)
    with app.app_context():
        services.set_password(user=db.session.get(User, user.id), password="a-new-long-password")
        db.session.commit()
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(client, make, herning):
    user = make.user(organisation=herning)
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_cookie_flags_and_security_headers(make_app, make, herning):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    user = make.user(organisation=herning)
    response = log_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_csrf_is_enforced_on_forms(make_app, make, herning):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make.user(organisation=herning)
    # Without the token the login form is refused.
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # Logout without a token is refused as well.
    assert client.post("/logout").status_code == 400


def test_login_form_bad_input_never_500(client):
    for email, password in [
        ("", ""),
        ("x" * 300 + "@example.dk", "p"),
        ("<script>@x.dk", "p"),
        ("' OR 1=1 --", "' OR 1=1 --"),
        ("ølse@æøå.dk", "æøå" * 100),
    ]:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 200
        assert "<script>@x.dk" not in response.get_data(as_text=True)


def test_language_switch(client, make, herning):
    user = make.user(organisation=herning)
    log_in(client, user.email)
    assert "Log ud" in client.get("/").get_data(as_text=True)
    client.post("/language/en")
    assert "Log out" in client.get("/").get_data(as_text=True)
    client.post("/language/xx")  # unknown languages are ignored
    assert "Log out" in client.get("/").get_data(as_text=True)
    client.post("/language/da")
    assert "Log ud" in client.get("/").get_data(as_text=True)


def test_user_changes_own_password(app, client, make, herning):
    user = make.user(organisation=herning)
    log_in(client, user.email)
    assert user.email in client.get("/account").get_data(as_text=True)
    wrong = client.post(
        "/account",
        data={"current": "nope", "password": "brand-new-password", "confirm": "brand-new-password"},
    )
    assert wrong.status_code == 200 and "invalid-feedback" in wrong.get_data(as_text=True)
    ok = client.post(
        "/account",
        data={
            "current": PASSWORD,
            "password": "brand-new-password",
            "confirm": "brand-new-password",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert log_in(app.test_client(), user.email).status_code == 200  # old password refused
    assert log_in(app.test_client(), user.email, "brand-new-password").status_code == 302


def test_login_attempts_are_rate_limited_per_address(make_app, make, herning):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    user = make.user(organisation=herning)
    statuses = [log_in(client, f"nobody{i}@example.dk", "x").status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    response = log_in(client, user.email)
    assert response.status_code == 429
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # only POSTs count


def test_json_bodies_to_web_forms_never_500(client, make, herning):
    for body in [{"email": 5, "password": ["x"]}, {"email": None}, [1, 2], "text"]:
        response = client.post("/login", json=body)
        assert response.status_code == 200
    user = make.user(organisation=herning)
    log_in(client, user.email)
    assert client.post("/account", json={"current": {"a": 1}}).status_code == 200
