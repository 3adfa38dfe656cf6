from django.urls import path

from trading import bot_views, views

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
    path("strategies/", bot_views.strategy_gallery, name="strategies"),
    path("bots/", bot_views.bot_list, name="bots"),
    path("bots/new/", bot_views.bot_new, name="bot_new"),
    path("bots/pause-all/", bot_views.bot_pause_all, name="bot_pause_all"),
    path("bots/<int:bot_id>/", bot_views.bot_detail, name="bot_detail"),
    path("bots/<int:bot_id>/pause/", bot_views.bot_pause, name="bot_pause"),
    path("bots/<int:bot_id>/resume/", bot_views.bot_resume, name="bot_resume"),
    path("bots/<int:bot_id>/stop/", bot_views.bot_stop, name="bot_stop"),
]
