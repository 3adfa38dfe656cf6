"""Every periodic task of the platform, declared in code.

`manage.py sync_periodic_tasks` writes these to django-celery-beat's tables. Later apps add
their schedules here, so one list shows everything beat runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    task: str
    every_seconds: int
    queue: str = "default"
    description: str = ""

    @property
    def expires_seconds(self) -> int:
        # A run that waited longer than its interval is stale: the next one is already queued.
        return max(1, self.every_seconds - 5)


PERIODIC_TASKS: tuple[PeriodicSpec, ...] = (
    PeriodicSpec(
        name="monitoring: beat heartbeat",
        task="monitoring.record_beat",
        every_seconds=60,
        description="Proves beat -> broker -> worker works; its age is shown by /readyz.",
    ),
    PeriodicSpec(
        name="trading: sync markets",
        task="trading.sync_markets",
        every_seconds=3600,
        description="Markets, precision and fees of the market data exchange.",
    ),
    PeriodicSpec(
        name="trading: refresh tickers",
        task="trading.refresh_tickers",
        every_seconds=15,
        description="Tickers of active markets into the cache (the feed also does it each second).",
    ),
    PeriodicSpec(
        name="trading: fetch latest candles",
        task="trading.fetch_latest_candles",
        every_seconds=60,
        description="Closed 1m/5m/1h candles of active markets.",
    ),
    PeriodicSpec(
        name="accounts: purge idempotency keys",
        task="accounts.purge_idempotency_keys",
        every_seconds=3600,
        description="Deletes API Idempotency-Key rows past their retention.",
    ),
    PeriodicSpec(
        name="papertrading: match resting orders",
        task="papertrading.match_orders",
        every_seconds=15,
        description="Fallback for the feed's per-tick matching, at cached prices.",
    ),
    PeriodicSpec(
        name="papertrading: equity snapshots",
        task="papertrading.snapshot_equity",
        every_seconds=300,
        description="A point of every live paper account's equity curve.",
    ),
    PeriodicSpec(
        name="trading: sync exchange orders",
        task="trading.sync_exchange_orders",
        every_seconds=30,
        description="Fills and statuses of open testnet and live orders, from their exchanges.",
    ),
    PeriodicSpec(
        name="trading: run due bots",
        task="trading.run_due_bots",
        every_seconds=60,
        queue="bots",
        description="One tick per bot whose candle closed: at most one decision per candle.",
    ),
    PeriodicSpec(
        name="compliance: expire KYC approvals",
        task="compliance.expire_kyc",
        every_seconds=24 * 3600,
        description="Lapses KYC approvals past their expiry; warns users 30 days before, once.",
    ),
    PeriodicSpec(
        name="compliance: venue deposit addresses",
        task="compliance.screen_all_venue_wallets",
        every_seconds=24 * 3600,
        queue="screening",
        description="Checks the deposit addresses each working exchange connection reports.",
    ),
    PeriodicSpec(
        name="compliance: monitoring rules",
        task="compliance.run_monitoring_rules",
        every_seconds=3600,
        description="Window rules over users with recent fills; refreshes decayed risk scores.",
    ),
)


def watchlist_download_specs() -> tuple[PeriodicSpec, ...]:
    """The scheduled list download, only when settings.WATCHLIST_DOWNLOADS is enabled (so
    turning it off and syncing removes the schedule; docs/watchlists.md)."""
    from django.conf import settings

    config = settings.WATCHLIST_DOWNLOADS
    if not config["enabled"]:
        return ()
    return (
        PeriodicSpec(
            name="compliance: download watchlists",
            task="compliance.download_watchlists",
            every_seconds=config["every_seconds"],
            description="Fetches the sanctions lists from the authorities' URLs and imports them.",
        ),
    )


PERIODIC_TASKS += watchlist_download_specs()
