import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def login(api: APIClient, email: str, password: str, **extra: str):
    return api.post("/api/v1/auth/login", {"email": email, "password": password, **extra})


def bearer(api: APIClient, access: str) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api
