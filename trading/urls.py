from django.urls import path

from trading import views

app_name = "trading"

urlpatterns = [
    path("markets/", views.markets, name="markets"),
    path("markets/<str:symbol>/", views.market_detail, name="market_detail"),
    path("connections/", views.connection_list, name="connections"),
    path("connections/<int:connection_id>/", views.connection_detail, name="connection_detail"),
    path("connections/<int:connection_id>/test/", views.connection_test, name="connection_test"),
    path(
        "connections/<int:connection_id>/delete/",
        views.connection_delete,
        name="connection_delete",
    ),
    path(
        "connections/<int:connection_id>/orders/<int:order_id>/cancel/",
        views.connection_order_cancel,
        name="connection_order_cancel",
    ),
]
