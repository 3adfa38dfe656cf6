from django.apps import AppConfig


class PapertradingConfig(AppConfig):
    name = "papertrading"
    verbose_name = "Paper trading"
