"""A loopback exchange that speaks the part of Binance's spot REST API that ccxt's `binance` uses.

It lets ccxt run for real (signing, precision, error mapping, retries) without the internet:
tests start one per module with `start_simulator(port=0)`; `make run` starts one on
`SIM_EXCHANGE_PORT` (`python -m trading.exchanges.simulator`). Dependency-free (stdlib only,
no Django), so it runs anywhere Python does.

- `market`: the deterministic price path, klines, tickers and order books;
- `engine`: accounts, orders, matching and fees;
- `endpoints`: the Binance routes and JSON shapes;
- `faults`: 5xx, 429/418, timeouts after accepting, bad signatures, armed from tests;
- `server`: HTTP, request signing, the `/__sim/faults` control API, `start_simulator`.
"""

from trading.exchanges.simulator.engine import Account, AccountBook, Exchange, Order
from trading.exchanges.simulator.faults import Fault, FaultInjector
from trading.exchanges.simulator.market import DEFAULT_SYMBOLS, MarketModel, SymbolSpec
from trading.exchanges.simulator.server import DEFAULT_SEED, SimulatorHandle, start_simulator

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SYMBOLS",
    "Account",
    "AccountBook",
    "Exchange",
    "Fault",
    "FaultInjector",
    "MarketModel",
    "Order",
    "SimulatorHandle",
    "SymbolSpec",
    "start_simulator",
]
