"""Trading bots: create them, pause, resume or stop them, and tick them on closed candles.

A tick judges, for each of the bot's symbols, the candle that closed last: it first claims
that (bot, symbol, candle) with a `BotDecision` row, which the database allows once, then
runs the strategy on the stored candles up to and including it and acts through the order
service. A duplicated or retried tick finds the claim and does nothing, so a bot never
trades twice on one candle; a tick that dies between the claim and the order leaves a
`pending` decision and trades not at all (at most once, never twice). The order's client id
is derived from the bot, side, symbol and candle too, so even a repeated order request could
not place a second order.

Paused bots still exit (their exit signals run) but take no new entries; stopped bots and
bots in error are not ticked. A bot whose venue fails `FAILURES_BEFORE_ERROR` ticks in a
row goes to error, with the reason, an audit event and a notification.
"""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from compliance.audit import AuditAction, record
from compliance.screening.venue_wallets import queue_venue_wallet_check
from cryptopulse.errors import ApplicationError
from monitoring.tasks import notify_user
from papertrading.models import PaperAccount, PriceSource
from trading.exchanges.base import MarketInfo
from trading.exchanges.errors import VenueError
from trading.exchanges.registry import public_venue
from trading.models import (
    Bot,
    BotDecision,
    BotHalt,
    BotStatus,
    Candle,
    ConnectionStatus,
    DecisionAction,
    ExchangeConnection,
    Market,
    Order,
)
from trading.precision import quantize_amount
from trading.risk import clean_overrides
from trading.selectors import (
    UnknownSymbolError,
    default_exchange,
    market_info_of,
    resolve_market,
)
from trading.services.bot_rules import (
    Signal,
    entry_refusal_for,
    exit_reason_for,
    open_entries,
)
from trading.services.candles import fetch_candles
from trading.services.orders import TradingAccount, place_order
from trading.strategies.candles import candles_from_rows
from trading.strategies.registry import get_strategy
from trading.strategies.signals import evaluate
from trading.timeframes import timeframe_length

logger = logging.getLogger(__name__)

FAILURES_BEFORE_ERROR = 3
# Candles read beyond the strategy's warm-up, so its first signals are settled.
HISTORY_MARGIN = 50
BOT_NOTIFICATION = "bot"


def _require_owner(user: User, account: TradingAccount) -> None:
    if account.user_id != user.pk:
        raise type(account).DoesNotExist


def _market(exchange: str, symbol: str, field: str = "symbols") -> Market:
    try:
        return resolve_market(exchange=exchange, text=symbol)
    except UnknownSymbolError:
        raise ApplicationError(
            "unknown_symbol", f"No market {symbol!r} on {exchange}.", field
        ) from None


@transaction.atomic(durable=True)
def create_bot(
    *,
    user: User,
    name: str,
    strategy: str,
    params: dict[str, object],
    account: TradingAccount,
    symbols: list[str],
    timeframe: str,
    stake_amount: Decimal,
    risk_limits: dict[str, Any] | None = None,
) -> Bot:
    """A running bot; the strategy, its parameters, symbols, timeframe, stake and its own risk
    limits (which may only tighten the platform's: trading.risk) are checked."""
    _require_owner(user, account)
    params = dict(get_strategy(strategy, params).values)  # typed; InvalidParameter names a field
    limits = clean_overrides(risk_limits or {})
    if isinstance(account, ExchangeConnection) and account.status != ConnectionStatus.VALID:
        raise ApplicationError(
            "connection_not_valid", "Test the connection until it works first.", "connection"
        )
    timeframe_length(timeframe)
    name = name.strip()
    if not name:
        raise ApplicationError("required", "Give the bot a name.", "name")
    if not symbols:
        raise ApplicationError("required", "Give the bot at least one symbol.", "symbols")
    if stake_amount <= 0:
        raise ApplicationError("invalid_amount", "The stake must be positive.", "stake_amount")
    exchange = default_exchange() if isinstance(account, PaperAccount) else account.exchange
    markets = [_market(exchange, symbol) for symbol in symbols]
    for market in markets:
        if market.min_cost is not None and stake_amount < market.min_cost:
            raise ApplicationError(
                "cost_below_minimum",
                f"{market.symbol} needs at least {market.min_cost.normalize():f} {market.quote} "
                "per order.",
                "stake_amount",
            )
    return _insert_bot(
        user=user,
        name=name,
        strategy=strategy,
        params=params,
        account=account,
        exchange=exchange,
        symbols=[market.symbol for market in markets],
        timeframe=timeframe,
        stake_amount=stake_amount,
        risk_limits=limits,
    )


def _insert_bot(
    *,
    user: User,
    name: str,
    strategy: str,
    params: dict[str, object],
    account: TradingAccount,
    exchange: str,
    symbols: list[str],
    timeframe: str,
    stake_amount: Decimal,
    risk_limits: dict[str, float] | None = None,
) -> Bot:
    try:
        with transaction.atomic():
            bot = Bot.objects.create(
                risk_limits=risk_limits or {},
                user=user,
                name=name,
                strategy=strategy,
                params=params,
                paper_account=account if isinstance(account, PaperAccount) else None,
                connection=account if isinstance(account, ExchangeConnection) else None,
                exchange=exchange,
                symbols=symbols,
                timeframe=timeframe,
                stake_amount=stake_amount,
            )
    except IntegrityError:  # the unique name, also when two requests race
        raise ApplicationError(
            "duplicate_name", "You already have a bot with this name.", "name"
        ) from None
    record(
        action=AuditAction.BOT_CREATED,
        actor=user,
        target=bot,
        data={
            "strategy": strategy,
            "params": params,
            "symbols": bot.symbols,
            "timeframe": timeframe,
            "stake_amount": stake_amount,
            "account": "paper" if bot.paper_account_id else "connection",
        },
    )
    if bot.connection_id is not None:  # a bot's venue: check its deposit addresses too
        queue_venue_wallet_check(bot.connection_id)
    return bot


_STATUS_ACTIONS = {
    BotStatus.PAUSED: AuditAction.BOT_PAUSED,
    BotStatus.RUNNING: AuditAction.BOT_RESUMED,
    BotStatus.STOPPED: AuditAction.BOT_STOPPED,
}


@transaction.atomic(durable=True)
def set_bot_status(*, user: User, bot_id: int, status: BotStatus) -> Bot:
    """Pause (exits only), resume or stop one of the user's bots; a stopped bot stays stopped."""
    bot = Bot.objects.select_for_update(of=("self",)).filter(user=user, pk=bot_id).first()
    if bot is None:
        raise Bot.DoesNotExist
    if status not in _STATUS_ACTIONS:
        raise ApplicationError("invalid_status", "Pause, resume or stop a bot.", "status")
    if bot.status == BotStatus.STOPPED and status != BotStatus.STOPPED:
        raise ApplicationError(
            "bot_stopped", "A stopped bot cannot run again.", "status", status=409
        )
    old = bot.status
    bot.status, bot.status_reason = status, ""
    if status == BotStatus.RUNNING:
        bot.consecutive_failures = 0
    bot.save(update_fields=["status", "status_reason", "consecutive_failures", "updated_at"])
    record(
        action=_STATUS_ACTIONS[status],
        actor=user,
        target=bot,
        data={"old": old, "new": status},
    )
    if status == BotStatus.RUNNING and bot.connection_id is not None:
        queue_venue_wallet_check(bot.connection_id)
    return bot


@transaction.atomic(durable=True)
def pause_all_bots(*, user: User) -> int:
    """The user's kill switch: every running bot pauses (positions kept, no new entries)."""
    bots = list(
        Bot.objects.select_for_update(of=("self",))
        .filter(user=user, status=BotStatus.RUNNING)
        .order_by("pk")
    )
    for bot in bots:
        bot.status = BotStatus.PAUSED
        bot.save(update_fields=["status", "updated_at"])
    record(
        action=AuditAction.BOTS_PAUSED_ALL,
        actor=user,
        target=user,
        data={"bots": [bot.pk for bot in bots]},
    )
    return len(bots)


class NotStaff(ApplicationError):
    status = 403


# Not durable: the admin's add view, where staff throw the switch, is a transaction already.
@transaction.atomic
def halt_all_bots(*, staff: User, reason: str) -> BotHalt:
    """The platform halt (staff only): no bot ticks until it is lifted. Audited."""
    if not staff.is_staff:
        raise NotStaff("staff_only", "Only staff can halt the platform's bots.")
    if not reason.strip():
        raise ApplicationError("required", "Say why the bots are halted.", "reason")
    current = BotHalt.objects.select_for_update().filter(active=True).first()
    if current is not None:
        return current
    halt = BotHalt.objects.create(reason=reason.strip()[:500], halted_by=staff)
    record(action=AuditAction.BOTS_HALTED, actor=staff, target=halt, data={"reason": halt.reason})
    return halt


@transaction.atomic
def lift_bot_halt(*, staff: User) -> BotHalt | None:
    """End the platform halt (staff only); bots tick again from the next candle."""
    if not staff.is_staff:
        raise NotStaff("staff_only", "Only staff can lift the halt.")
    halt = BotHalt.objects.select_for_update().filter(active=True).first()
    if halt is None:
        return None
    halt.active, halt.lifted_by, halt.lifted_at = False, staff, timezone.now()
    halt.save(update_fields=["active", "lifted_by", "lifted_at"])
    record(action=AuditAction.BOTS_HALT_LIFTED, actor=staff, target=halt, data={})
    return halt


def bots_halted() -> bool:
    return BotHalt.objects.filter(active=True).exists()


def last_closed_candle(timeframe: str, now: datetime) -> datetime:
    """Open time of the newest candle of `timeframe` that has closed by `now` (UTC grid)."""
    seconds = int(timeframe_length(timeframe).total_seconds())
    current_open = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(current_open - seconds, tz=UTC)


def due_bots(*, now: datetime | None = None) -> list[int]:
    """Running and paused bots with a candle closed since the one they judged last."""
    now = now or timezone.now()
    if bots_halted():
        return []
    due = []
    ticking = Bot.objects.filter(status__in=[BotStatus.RUNNING, BotStatus.PAUSED]).exclude(
        paper_account__price_source=PriceSource.REPLAY  # replays tick on their own clock
    )
    for bot in ticking.only("pk", "timeframe", "last_candle_time"):
        closed = last_closed_candle(bot.timeframe, now)
        if bot.last_candle_time is None or bot.last_candle_time < closed:
            due.append(bot.pk)
    return due


def _signal(bot: Bot, symbol: str, candle_time: datetime) -> Signal | None:
    """The strategy's verdict on the candle at `candle_time`; None if it is not stored yet."""
    strategy = get_strategy(bot.strategy, bot.params)
    rows = list(
        Candle.objects.filter(
            exchange=bot.exchange,
            symbol=symbol,
            timeframe=bot.timeframe,
            open_time__lte=candle_time,
        ).order_by("-open_time")[: strategy.startup_candles + HISTORY_MARGIN]
    )
    if not rows or rows[0].open_time != candle_time:
        return None
    if len(rows) <= strategy.startup_candles:  # the warm-up needs that many before it
        return Signal(
            False, False, None, f"warming up: {len(rows)} of {strategy.startup_candles} candles"
        )
    frame = evaluate(strategy, candles_from_rows(reversed(rows)))
    last = frame.iloc[-1]
    confidence = (
        None if math.isnan(last["confidence"]) else Decimal(str(round(last["confidence"], 2)))
    )
    return Signal(enter=bool(last["entry"]), exit=bool(last["exit"]), confidence=confidence)


def _fetch_missing_candles(bot: Bot, symbol: str, candle_time: datetime, now: datetime) -> bool:
    """Store the candles up to `candle_time` from the market data venue; True if any came.

    Beat also fetches candles every minute, but a tick must not depend on winning that race.
    """
    strategy = get_strategy(bot.strategy, bot.params)
    reach = timeframe_length(bot.timeframe) * (strategy.startup_candles + HISTORY_MARGIN)
    try:
        result = fetch_candles(
            venue=public_venue(bot.exchange),
            exchange=bot.exchange,
            symbol=symbol,
            timeframe=bot.timeframe,
            since=candle_time - reach,
            now=now,
        )
    except VenueError:
        logger.warning("bot %s: no %s candles from %s", bot.pk, symbol, bot.exchange)
        return False
    return result.inserted > 0


def _account(bot: Bot) -> TradingAccount:
    account = bot.paper_account or bot.connection
    if account is None:  # pragma: no cover - the bot_one_account constraint forbids it
        raise RuntimeError("a bot without an account")
    return account


def _client_order_id(bot: Bot, side: str, symbol: str, candle_time: datetime) -> str:
    """Unique per bot, side, symbol and candle, and within Binance's 36 characters."""
    digest = hashlib.blake2b(symbol.encode(), digest_size=4).hexdigest()
    return f"bot{bot.pk}{side[0]}{int(candle_time.timestamp())}{digest}"


def _received(order: Order, market: MarketInfo) -> Decimal:
    """Base the entry order brought in, after fees paid in base, on the market's step."""
    fees = sum(
        (fill.fee for fill in order.fills.all() if fill.fee_asset == market.base), Decimal(0)
    )
    return quantize_amount(order.filled_amount - fees, market=market)


def _act(
    bot: Bot, symbol: str, candle_time: datetime, signal: Signal, entry: BotDecision | None
) -> tuple[str, str, Order | None]:
    """(action, reason, order) for one symbol holding `entry` (its open trade, if any); the
    order service does the trading."""
    if signal.warming_up:
        return DecisionAction.HOLD, signal.warming_up, None
    market = market_info_of(_market(bot.exchange, symbol))
    account = _account(bot)
    why = exit_reason_for(bot, entry, candle_time, signal, market) if entry else None
    if entry is not None and why is not None:
        if entry.order is None:
            return DecisionAction.SKIP, f"{why}, but the entry placed no order", None
        amount = _received(entry.order, market)
        if amount <= 0:
            return DecisionAction.SKIP, f"{why}, but the entry did not fill", None
        placed = place_order(
            user=bot.user,
            account=account,
            symbol=symbol,
            side="sell",
            type="market",
            amount=amount,
            client_order_id=_client_order_id(bot, "sell", symbol, candle_time),
        )
        return DecisionAction.EXIT, why, placed.order
    if entry is None and signal.enter:
        if bot.status == BotStatus.PAUSED:
            return DecisionAction.SKIP, "entry signal, but the bot is paused", None
        refusal = entry_refusal_for(bot, market, candle_time, signal)
        if refusal is not None:
            return DecisionAction.REFUSED, f"risk: {refusal}", None
        client_id = _client_order_id(bot, "buy", symbol, candle_time)
        if isinstance(account, PaperAccount):
            placed = place_order(
                user=bot.user,
                account=account,
                symbol=symbol,
                side="buy",
                type="market",
                quote_amount=bot.stake_amount,
                client_order_id=client_id,
            )
        else:
            close = Candle.objects.get(
                exchange=bot.exchange,
                symbol=symbol,
                timeframe=bot.timeframe,
                open_time=candle_time,
            ).close
            placed = place_order(
                user=bot.user,
                account=account,
                symbol=symbol,
                side="buy",
                type="market",
                amount=quantize_amount(bot.stake_amount / close, market=market),
                client_order_id=client_id,
            )
        return DecisionAction.ENTER, "entry signal", placed.order
    if entry is not None:
        return DecisionAction.HOLD, "in a trade; no exit signal", None
    return DecisionAction.HOLD, "no entry signal", None


def tick_bot(
    *, bot_id: int, now: datetime | None = None, candle_time: datetime | None = None
) -> list[BotDecision]:
    """Judge the newest closed candle of each of the bot's symbols, at most once each.

    `candle_time` judges that candle instead (a replay: trading.services.bot_replay); its
    candles are all stored, so none is fetched. Symbols holding a trade go first, oldest
    first, so an exit frees its slot for an entry on the same candle, as in the backtest.
    """
    now = now or timezone.now()
    bot = Bot.objects.select_related("user", "paper_account", "connection").get(pk=bot_id)
    if bot.status not in (BotStatus.RUNNING, BotStatus.PAUSED) or bots_halted():
        return []
    replaying = candle_time is not None
    candle_time = candle_time or last_closed_candle(bot.timeframe, now)
    decisions = []
    all_judged = True
    # Read once per tick: only a symbol's own decision changes its open entry.
    entries = open_entries(bot)
    for symbol in _holding_first(bot, entries):
        signal = _signal(bot, symbol, candle_time)
        if (
            signal is None
            and not replaying
            and _fetch_missing_candles(bot, symbol, candle_time, now)
        ):
            signal = _signal(bot, symbol, candle_time)
        if signal is None:
            all_judged = False  # the candle cannot be had yet: the next tick tries again
            continue
        try:
            with transaction.atomic():  # the claim: the unique constraint lets one tick in
                decision = BotDecision.objects.create(
                    bot=bot,
                    symbol=symbol,
                    candle_time=candle_time,
                    action=DecisionAction.PENDING,
                    confidence=signal.confidence,
                )
        except IntegrityError:
            continue  # another tick judged this candle already
        decisions.append(_decide(bot, decision, signal, entries.get(symbol)))
    if all_judged:
        Bot.objects.filter(pk=bot.pk).update(last_candle_time=candle_time)
    return decisions


def _holding_first(bot: Bot, entries: dict[str, BotDecision]) -> list[str]:
    held = sorted(
        (entry.candle_time, entry.pk, symbol)
        for symbol, entry in entries.items()
        if symbol in bot.symbols
    )
    return [symbol for *_, symbol in held] + [s for s in bot.symbols if s not in entries]


def _decide(
    bot: Bot, decision: BotDecision, signal: Signal, entry: BotDecision | None
) -> BotDecision:
    try:
        action, reason, order = _act(bot, decision.symbol, decision.candle_time, signal, entry)
    except VenueError as error:
        decision.action, decision.reason = DecisionAction.ERROR, f"the exchange failed: {error}"
        decision.save(update_fields=["action", "reason"])
        _count_failure(bot, decision.reason)
        return decision
    except ApplicationError as error:
        action, reason, order = DecisionAction.REFUSED, error.message, None
        if error.status == 503:
            decision.action, decision.reason = DecisionAction.ERROR, error.message
            decision.save(update_fields=["action", "reason"])
            _count_failure(bot, error.message)
            return decision
    decision.action, decision.reason, decision.order = action, reason[:500], order
    decision.save(update_fields=["action", "reason", "order"])
    if bot.consecutive_failures:
        Bot.objects.filter(pk=bot.pk).update(consecutive_failures=0)
    return decision


@transaction.atomic(durable=True)
def _count_failure(bot: Bot, reason: str) -> None:
    locked = Bot.objects.select_for_update(of=("self",)).get(pk=bot.pk)
    locked.consecutive_failures += 1
    fields = ["consecutive_failures", "updated_at"]
    if locked.consecutive_failures >= FAILURES_BEFORE_ERROR and locked.status != BotStatus.ERROR:
        locked.status = BotStatus.ERROR
        locked.status_reason = f"Stopped after {locked.consecutive_failures} failures: {reason}"[
            :500
        ]
        fields += ["status", "status_reason"]
        record(
            action=AuditAction.BOT_FAILED,
            actor=None,
            subject=locked.user,
            target=locked,
            data={"failures": locked.consecutive_failures, "reason": reason},
        )
        user_id, payload = locked.user_id, {"bot": locked.pk, "text": locked.status_reason}
        transaction.on_commit(lambda: notify_user.delay(user_id, BOT_NOTIFICATION, payload))
    locked.save(update_fields=fields)


DEMO_BOT_NAME = "Demo DCA (1m)"


@transaction.atomic(durable=True)
def ensure_demo_bot(*, user: User, account: PaperAccount) -> Bot:
    """The demo trader's paper bot (development only): buys BTC every 5 minutes, sells at
    +0.3 %. Created before the simulated markets are loaded (the seed runs first), so its
    symbol is not looked up here; its ticks wait until the market and candles exist."""
    existing = Bot.objects.filter(user=user, name=DEMO_BOT_NAME).first()
    if existing is not None:
        return existing
    return _insert_bot(
        user=user,
        name=DEMO_BOT_NAME,
        strategy="dca",
        params={"interval_candles": 5, "take_profit_pct": 0.3},
        account=account,
        exchange=default_exchange(),
        symbols=["BTC/USDT"],
        timeframe="1m",
        stake_amount=Decimal("100"),
    )
