import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient


def test_the_schema_validates_without_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json")
    assert '"openapi": "3.' in capsys.readouterr().out


def test_the_schema_is_served(client):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    assert "/api/v1/auth/login" in response.content.decode()


# Lists that need query parameters to answer at all.
LIST_QUERIES = {"/api/v1/market-data/candles": {"symbol": "BTC-USDT", "timeframe": "1m"}}
PAGED = {"count", "next", "previous", "results"}


def _documented_lists(schema: dict) -> dict[str, bool]:
    """Each GET without path parameters whose 200 is a list: whether it is documented paged."""
    lists = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        reference = body.get("$ref", "").rsplit("/", 1)[-1]
        if body.get("type") == "array" or reference.startswith("Paginated"):
            lists[path] = reference.startswith("Paginated")
    return lists


@pytest.mark.django_db
def test_every_list_answers_in_the_shape_the_schema_documents(simulated_markets, user):
    # given: the schema integrators generate clients from
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = _documented_lists(schema)
    api = APIClient()
    api.force_authenticate(user)
    # when: each list is asked for
    answered = {}
    for path in documented:
        response = api.get(path, LIST_QUERIES.get(path, {}))
        assert response.status_code == 200, (path, response.content[:300])
        body = response.json()
        answered[path] = isinstance(body, dict) and set(body) == PAGED
        assert answered[path] or isinstance(body, list), (path, body)
    # then: paged where, and only where, the schema says so
    assert answered == documented
    assert {path for path, paged in documented.items() if paged} == {
        "/api/v1/backtests",
        "/api/v1/orders",
        "/api/v1/paper-trading/ledger",
        "/api/v1/paper-trading/orders",
        "/api/v1/paper-trading/trades",
    }
