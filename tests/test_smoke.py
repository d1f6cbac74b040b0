def test_login_page(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_rep_lands_on_sales_workspace(client, org):
    client.force_login(org.rep)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/sales/workspace/"
