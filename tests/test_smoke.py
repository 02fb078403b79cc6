def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log ind" in response.get_data(as_text=True) or "Log in" in response.get_data(
        as_text=True
    )


def test_front_page_after_login(client, login_as, herning):
    login_as("therapist", herning)
    response = client.get("/")
    assert response.status_code == 200
