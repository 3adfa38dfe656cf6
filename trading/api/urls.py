from django.urls import path

from trading.api import backtests, bots, order_views, risk_limits, views

urlpatterns = [
    path("strategies", bots.StrategyListView.as_view(), name="api-strategies"),
    path("backtests", backtests.BacktestListView.as_view(), name="api-backtests"),
    path(
        "backtests/<int:backtest_id>",
        backtests.BacktestDetailView.as_view(),
        name="api-backtest-detail",
    ),
    path(
        "backtests/<int:backtest_id>/trades.csv",
        backtests.BacktestTradesCsvView.as_view(),
        name="api-backtest-trades-csv",
    ),
    path("bots", bots.BotListView.as_view(), name="api-bots"),
    path("bots/<int:bot_id>", bots.BotDetailView.as_view(), name="api-bot-detail"),
    path("bots/<int:bot_id>/pause", bots.BotPauseView.as_view(), name="api-bot-pause"),
    path("bots/<int:bot_id>/resume", bots.BotResumeView.as_view(), name="api-bot-resume"),
    path("bots/<int:bot_id>/stop", bots.BotStopView.as_view(), name="api-bot-stop"),
    path("bots/<int:bot_id>/backtest", bots.BotBacktestView.as_view(), name="api-bot-backtest"),
    path("bots/<int:bot_id>/trades", bots.BotTradesView.as_view(), name="api-bot-trades"),
    path("bots/<int:bot_id>/replay", bots.BotReplayView.as_view(), name="api-bot-replay"),
    path("orders", order_views.OrderListView.as_view(), name="api-orders"),
    path("orders/<int:order_id>", order_views.OrderDetailView.as_view(), name="api-order-detail"),
    path("risk-limits", risk_limits.RiskLimitsView.as_view(), name="api-risk-limits"),
    path("market-data/ticker/<str:symbol>", views.TickerView.as_view(), name="api-ticker"),
    path("market-data/candles", views.CandlesView.as_view(), name="api-candles"),
    path("market-data/markets", views.MarketsView.as_view(), name="api-markets"),
    path("exchange-connections", views.ConnectionListView.as_view(), name="api-connections"),
    path(
        "exchange-connections/<int:connection_id>",
        views.ConnectionDetailView.as_view(),
        name="api-connection-detail",
    ),
    path(
        "exchange-connections/<int:connection_id>/test",
        views.ConnectionTestView.as_view(),
        name="api-connection-test",
    ),
    path(
        "exchange-connections/<int:connection_id>/balances",
        views.ConnectionBalancesView.as_view(),
        name="api-connection-balances",
    ),
]
