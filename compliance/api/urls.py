from django.urls import path

from compliance.api import kyc, wallets

urlpatterns = [
    path("kyc", kyc.KycView.as_view(), name="api-kyc"),
    path("kyc/submissions", kyc.SubmissionsView.as_view(), name="api-kyc-submissions"),
    path(
        "kyc/submissions/<int:submission_id>/submit",
        kyc.SubmitView.as_view(),
        name="api-kyc-submission-submit",
    ),
    path("wallets", wallets.WalletListView.as_view(), name="api-wallets"),
]
