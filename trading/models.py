"""Markets, candles and users' exchange connections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from trading.exchanges.base import OrderSide, OrderType


def decimal_field(*, null: bool = False) -> models.DecimalField:
    """Amounts and prices: 38 digits, 18 after the point (DESIGN § Money and time)."""
    return models.DecimalField(max_digits=38, decimal_places=18, null=null, blank=null)


class Market(models.Model):
    """One tradable pair on one exchange, with the precision and limits orders must respect.

    `symbol` is unified (`BTC/USDT`); `exchange_symbol` is the venue's own id (`BTCUSDT`).
    Rows are upserted from the venue by `sync_markets`; a pair that disappears is marked
    inactive, never deleted (orders and candles refer to it by name).
    """

    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=40)
    exchange_symbol = models.CharField(max_length=40)
    base = models.CharField(max_length=20)
    quote = models.CharField(max_length=20)
    price_tick = decimal_field()
    amount_step = decimal_field()
    min_amount = decimal_field(null=True)
    max_amount = decimal_field(null=True)
    min_cost = decimal_field(null=True)
    maker_fee = models.DecimalField(max_digits=10, decimal_places=6)
    taker_fee = models.DecimalField(max_digits=10, decimal_places=6)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("exchange", "symbol")
        constraints = [
            models.UniqueConstraint(fields=["exchange", "symbol"], name="market_unique_symbol"),
            models.CheckConstraint(
                condition=Q(price_tick__gt=0) & Q(amount_step__gt=0), name="market_positive_steps"
            ),
        ]
        indexes = [models.Index(fields=["exchange", "active"], name="market_exchange_active")]

    def __str__(self) -> str:
        return f"{self.symbol} on {self.exchange}"


class Candle(models.Model):
    """OHLCV of one period; `open_time` is the period's start in UTC.

    Unique on (exchange, symbol, timeframe, open_time): imports and fetches are idempotent,
    and that unique index is also the one every range read uses.
    """

    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=40)
    timeframe = models.CharField(max_length=8)
    open_time = models.DateTimeField()
    open = decimal_field()
    high = decimal_field()
    low = decimal_field()
    close = decimal_field()
    volume = decimal_field()

    class Meta:
        ordering = ("exchange", "symbol", "timeframe", "open_time")
        constraints = [
            models.UniqueConstraint(
                fields=["exchange", "symbol", "timeframe", "open_time"], name="candle_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(high__gte=F("low")) & Q(low__gte=0) & Q(volume__gte=0),
                name="candle_sane_ohlcv",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.timeframe} {self.open_time:%Y-%m-%d %H:%M}"


class ConnectionStatus(models.TextChoices):
    UNTESTED = "untested", "Not tested yet"
    VALID = "valid", "Working"
    INVALID = "invalid", "Not working"


class ExchangeConnection(models.Model):
    """A user's API key on an exchange. Secrets are Fernet-encrypted (see trading.crypto).

    Only the last four characters of the API key are ever shown; the secret and passphrase
    are never returned by any page or endpoint, and never logged.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_connections"
    )
    exchange = models.CharField(max_length=32)
    label = models.CharField(max_length=100)
    testnet = models.BooleanField(default=False)
    api_key_encrypted = models.TextField()
    secret_encrypted = models.TextField()
    passphrase_encrypted = models.TextField(blank=True)
    api_key_last4 = models.CharField(max_length=4)
    status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.UNTESTED
    )
    status_reason = models.CharField(max_length=500, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Removed by its owner: secrets erased, the row kept for the orders placed through it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("label",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "label"],
                condition=Q(removed_at__isnull=True),
                name="connection_unique_label",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.exchange}, key …{self.api_key_last4})"


class OrderStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    CANCELED = "canceled", "Canceled"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"


class TradingMode(models.TextChoices):
    """Shown on every order: paper, an exchange's testnet, or real money."""

    PAPER = "paper", "Paper"
    TESTNET = "testnet", "Testnet"
    LIVE = "live", "Live"


class Order(models.Model):
    """One order on a paper account or an exchange connection (exactly one of the two).

    `client_order_id` is unique per account or connection: a repeated request finds the
    first order instead of placing a second. Status changes go through
    `trading.order_status.transition`, which checks the allowed moves.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    paper_account = models.ForeignKey(
        "papertrading.PaperAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="orders",
    )
    connection = models.ForeignKey(
        ExchangeConnection, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    mode = models.CharField(max_length=8, choices=TradingMode.choices)
    epoch = models.PositiveIntegerField(default=1)  # the paper account's epoch at placement
    exchange = models.CharField(max_length=32)
    symbol = models.CharField(max_length=40)
    side = models.CharField(max_length=4, choices=OrderSide.choices)
    type = models.CharField(max_length=12, choices=OrderType.choices)
    time_in_force = models.CharField(max_length=3, default="GTC")
    amount = decimal_field(null=True)
    quote_amount = decimal_field(null=True)
    price = decimal_field(null=True)
    stop_price = decimal_field(null=True)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.NEW)
    triggered = models.BooleanField(default=False)
    filled_amount = models.DecimalField(max_digits=38, decimal_places=18, default=0)
    filled_quote = models.DecimalField(max_digits=38, decimal_places=18, default=0)
    average_price = decimal_field(null=True)
    client_order_id = models.CharField(max_length=64)
    exchange_order_id = models.CharField(max_length=64, blank=True)
    reject_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(paper_account__isnull=False, connection__isnull=True)
                | Q(paper_account__isnull=True, connection__isnull=False),
                name="order_one_account",
            ),
            # Spelled out with isnull: in SQL, NULL > 0 is unknown, which a CHECK lets through.
            models.CheckConstraint(
                condition=Q(amount__isnull=False, amount__gt=0, quote_amount__isnull=True)
                | Q(quote_amount__isnull=False, quote_amount__gt=0, amount__isnull=True),
                name="order_positive_size",
            ),
            models.CheckConstraint(
                condition=Q(filled_amount__gte=0), name="order_filled_not_negative"
            ),
            models.UniqueConstraint(
                fields=["paper_account", "client_order_id"],
                condition=Q(paper_account__isnull=False),
                name="order_unique_client_id_paper",
            ),
            models.UniqueConstraint(
                fields=["connection", "client_order_id"],
                condition=Q(connection__isnull=False),
                name="order_unique_client_id_connection",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_recent"),
            # The matcher's scan: open paper orders of one symbol.
            models.Index(
                fields=["exchange", "symbol", "status"],
                condition=Q(status__in=["open", "partially_filled"]),
                name="order_open_by_symbol",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.type} {self.symbol} ({self.status})"


class Fill(models.Model):
    """One execution of an order; the fee is in the asset received."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fills")
    trade_id = models.CharField(max_length=64)
    price = decimal_field()
    amount = decimal_field()
    fee = decimal_field()
    fee_asset = models.CharField(max_length=20)
    is_maker = models.BooleanField()
    executed_at = models.DateTimeField()

    class Meta:
        ordering = ("executed_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["order", "trade_id"], name="fill_unique_trade"),
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(amount__gt=0) & Q(fee__gte=0), name="fill_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} @ {self.price}"


class BotStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused (no new entries)"
    STOPPED = "stopped", "Stopped"
    ERROR = "error", "Stopped by an error"


class Bot(models.Model):
    """A strategy trading symbols on one account (paper account or exchange connection).

    Each closed candle of its timeframe gets at most one `BotDecision` per symbol (a unique
    constraint), so a duplicated or retried tick never trades twice. `stake_amount` is the
    quote spent per entry.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bots"
    )
    name = models.CharField(max_length=100)
    strategy = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    paper_account = models.ForeignKey(
        "papertrading.PaperAccount",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bots",
    )
    connection = models.ForeignKey(
        ExchangeConnection, on_delete=models.PROTECT, null=True, blank=True, related_name="bots"
    )
    exchange = models.CharField(max_length=32)  # where its candles come from
    symbols = models.JSONField(default=list)
    timeframe = models.CharField(max_length=8)
    stake_amount = decimal_field()
    risk_limits = models.JSONField(default=dict, blank=True)  # tighter than the platform's
    status = models.CharField(max_length=8, choices=BotStatus.choices, default=BotStatus.RUNNING)
    status_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_candle_time = models.DateTimeField(null=True, blank=True)  # the newest candle judged
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("user", "name")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="bot_unique_name"),
            models.CheckConstraint(
                condition=Q(paper_account__isnull=False, connection__isnull=True)
                | Q(paper_account__isnull=True, connection__isnull=False),
                name="bot_one_account",
            ),
            models.CheckConstraint(condition=Q(stake_amount__gt=0), name="bot_positive_stake"),
        ]
        indexes = [models.Index(fields=["status"], name="bot_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.strategy}, {self.status})"


class DecisionAction(models.TextChoices):
    PENDING = "pending", "Being decided"
    ENTER = "enter", "Entered"
    EXIT = "exit", "Exited"
    HOLD = "hold", "No signal"
    SKIP = "skip", "Signal not acted on"
    REFUSED = "refused", "Refused"
    ERROR = "error", "Failed"


class BotDecision(models.Model):
    """What a bot decided for one symbol at one closed candle, and why (the decision log)."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="decisions")
    symbol = models.CharField(max_length=40)
    candle_time = models.DateTimeField()  # open time of the closed candle that was judged
    action = models.CharField(max_length=8, choices=DecisionAction.choices)
    reason = models.CharField(max_length=500, blank=True)
    confidence = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="bot_decisions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-candle_time", "symbol")
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "symbol", "candle_time"], name="bot_decision_once_per_candle"
            )
        ]
        indexes = [models.Index(fields=["bot", "-candle_time"], name="bot_decision_recent")]

    def __str__(self) -> str:
        return f"{self.bot_id} {self.symbol} {self.candle_time:%Y-%m-%d %H:%M}: {self.action}"


class BacktestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Backtest(models.Model):
    """One backtest run on stored candles: its inputs, progress and report (`result`, JSON).

    The report comes from `trading.backtest.run_backtest` unchanged (`BacktestResult.to_dict`),
    so runs can be compared side by side and exported again later.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backtests"
    )
    # The bot this run backtests as configured (`backtest_bot`), for its page's comparison;
    # the run outlives the bot.
    bot = models.ForeignKey(
        Bot, on_delete=models.SET_NULL, null=True, blank=True, related_name="backtests"
    )
    strategy = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    exchange = models.CharField(max_length=32)
    symbols = models.JSONField(default=list)
    timeframe = models.CharField(max_length=8)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    config = models.JSONField(default=dict)  # BacktestConfig.to_dict()
    status = models.CharField(
        max_length=8, choices=BacktestStatus.choices, default=BacktestStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "-created_at"], name="backtest_user_recent")]

    def __str__(self) -> str:
        return f"{self.strategy} on {', '.join(self.symbols)} ({self.status})"


class BotHalt(models.Model):
    """The platform's halt switch for bots, thrown by staff: while a row is active, no bot
    ticks (no entries, no exits). History is kept: lifting a halt closes its row."""

    reason = models.CharField(max_length=500)
    active = models.BooleanField(default=True)
    halted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bot_halts"
    )
    halted_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bot_halts_lifted",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-halted_at",)
        constraints = [
            # At most one halt in force at a time.
            models.UniqueConstraint(
                fields=["lifted_at"],
                condition=Q(lifted_at__isnull=True),
                name="bot_halt_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"Bot halt: {self.reason}" + ("" if self.active else " (lifted)")


class RiskProfile(models.Model):
    """A user's own risk limits (`trading.risk.RiskLimits` names), each at most as loose as the
    platform's: `trading.services.risk_limits.set_user_limits` checks them when they are set,
    and every order of the user is judged by the tighter of the two (docs/risk.md)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_profile"
    )
    limits = models.JSONField(default=dict, blank=True)  # name -> number; absent: platform's
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Risk limits of user {self.user_id}"
