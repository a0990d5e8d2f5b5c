def test_token_and_me_round_trip(auth_client, user):
    response = auth_client.get("/api/users/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
