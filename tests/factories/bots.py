from decimal import Decimal
from typing import Any

from trading.models import Bot
from trading.services.bots import create_bot


def crossover_bot(account: Any, **changes: Any) -> Bot:
    """A running bot on `account` (paper or connection) through the real `create_bot`: an
    SMA 2/3 crossover on BTC/USDT 1h staking 100, which enters on the first jump after a
    flat warm-up and exits on the drop after it; `changes` override any argument."""
    values: dict[str, Any] = {
        "user": account.user,
        "name": "cross",
        "strategy": "sma_crossover",
        "params": {"fast_period": 2, "slow_period": 3},
        "account": account,
        "symbols": ["BTC/USDT"],
        "timeframe": "1h",
        "stake_amount": Decimal("100"),
        **changes,
    }
    return create_bot(**values)
