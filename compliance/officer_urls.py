from django.urls import path

from compliance import officer_views

app_name = "compliance_officer"

urlpatterns = [path("", officer_views.officer_dashboard, name="dashboard")]
