from django.urls import path

from compliance import views, wallet_views

app_name = "compliance"

urlpatterns = [
    path("kyc/", views.kyc_page, name="kyc"),
    path("kyc/steps/", views.kyc_steps, name="kyc_steps"),
    path("kyc/level/<int:level>/", views.kyc_level, name="kyc_level"),
    path("kyc/documents/<int:document_id>/", views.kyc_document, name="kyc_document"),
    path("wallets/add/", wallet_views.wallet_add, name="wallet_add"),
]
