from django.urls import path

from papertrading.api import views

urlpatterns = [
    path("paper-trading/accounts", views.AccountListView.as_view(), name="api-paper-accounts"),
    path(
        "paper-trading/accounts/<int:account_id>/replay",
        views.ReplayView.as_view(),
        name="api-paper-replay",
    ),
    path(
        "paper-trading/accounts/<int:account_id>/replay/step",
        views.ReplayStepView.as_view(),
        name="api-paper-replay-step",
    ),
    path("paper-trading/orders", views.PaperOrderListView.as_view(), name="api-paper-orders"),
    path(
        "paper-trading/orders/<int:order_id>",
        views.PaperOrderDetailView.as_view(),
        name="api-paper-order-detail",
    ),
    path("paper-trading/portfolio", views.PortfolioView.as_view(), name="api-paper-portfolio"),
    path("paper-trading/trades", views.TradeListView.as_view(), name="api-paper-trades"),
    path("paper-trading/ledger", views.LedgerView.as_view(), name="api-paper-ledger"),
    path("paper-trading/reset", views.ResetView.as_view(), name="api-paper-reset"),
]
