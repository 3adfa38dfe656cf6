from django.urls import path

from trading import backtest_views, bot_views, views

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
    path("risk-limits/", views.risk_limits_update, name="risk_limits"),
    path("strategies/", bot_views.strategy_gallery, name="strategies"),
    path("bots/", bot_views.bot_list, name="bots"),
    path("bots/new/", bot_views.bot_new, name="bot_new"),
    path("bots/pause-all/", bot_views.bot_pause_all, name="bot_pause_all"),
    path("bots/<int:bot_id>/", bot_views.bot_detail, name="bot_detail"),
    path("bots/<int:bot_id>/pause/", bot_views.bot_pause, name="bot_pause"),
    path("bots/<int:bot_id>/resume/", bot_views.bot_resume, name="bot_resume"),
    path("bots/<int:bot_id>/stop/", bot_views.bot_stop, name="bot_stop"),
    path("bots/<int:bot_id>/backtest/", bot_views.bot_backtest, name="bot_backtest"),
    path("backtests/", backtest_views.backtest_list, name="backtests"),
    path("backtests/new/", backtest_views.backtest_new, name="backtest_new"),
    path("backtests/compare/", backtest_views.backtest_compare, name="backtest_compare"),
    path("backtests/<int:backtest_id>/", backtest_views.backtest_detail, name="backtest_detail"),
    path(
        "backtests/<int:backtest_id>/progress/",
        backtest_views.backtest_progress,
        name="backtest_progress",
    ),
    path(
        "backtests/<int:backtest_id>/report.json",
        backtest_views.backtest_report_json,
        name="backtest_report_json",
    ),
    path(
        "backtests/<int:backtest_id>/trades.csv",
        backtest_views.backtest_trades_csv,
        name="backtest_trades_csv",
    ),
]
