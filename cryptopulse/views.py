from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors and the dashboard entry for signed-in users."""
    return render(request, "home.html")
