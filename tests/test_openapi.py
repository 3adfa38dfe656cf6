from django.core.management import call_command


def test_the_schema_validates_without_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json")
    assert '"openapi": "3.' in capsys.readouterr().out


def test_the_schema_is_served(client):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    assert "/api/v1/auth/login" in response.content.decode()
