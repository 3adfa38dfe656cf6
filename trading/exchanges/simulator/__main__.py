"""`python -m trading.exchanges.simulator`: serve the simulator with a demo account (`make run`).

The demo account's key pair comes from `SIM_DEMO_API_KEY` and `SIM_DEMO_SECRET` when both are
set; otherwise from the credentials file (`<run dir>/simulator/demo-account.json`, the run dir
being `CRYPTOPULSE_RUN_DIR` or `.run/`), which is written, mode 0600, with a fresh pair the first
time. So the pair survives restarts and the app can read it from the same place. The secret is
never printed. Balances, orders and trades live in memory and start afresh on every run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from decimal import Decimal
from pathlib import Path
from types import FrameType

from trading.exchanges.simulator.engine import new_key
from trading.exchanges.simulator.server import DEFAULT_SEED, start_simulator

REPO_DIR = Path(__file__).resolve().parents[3]
DEMO_BALANCES: dict[str, str | Decimal] = {
    "USDT": "10000",
    "BTC": "0.5",
    "ETH": "5",
    "SOL": "50",
    "BNB": "10",
    "XRP": "5000",
}


def default_credentials_file() -> Path:
    run_dir = Path(os.environ.get("CRYPTOPULSE_RUN_DIR", REPO_DIR / ".run"))
    return run_dir / "simulator" / "demo-account.json"


def demo_credentials(path: Path) -> tuple[str, str, str]:
    """(api_key, secret, where the secret is) for the demo account; see the module docstring."""
    key, secret = os.environ.get("SIM_DEMO_API_KEY", ""), os.environ.get("SIM_DEMO_SECRET", "")
    if key and secret:
        return key, secret, "the SIM_DEMO_SECRET environment variable"
    if path.exists():
        stored = json.loads(path.read_text())
        return str(stored["api_key"]), str(stored["secret"]), str(path)
    key, secret = new_key(), new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"api_key": key, "secret": secret}, handle)
    return key, secret, str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("SIM_EXCHANGE_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("SIM_EXCHANGE_PORT", "8010"))
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SIM_SEED", DEFAULT_SEED)))
    parser.add_argument("--credentials-file", type=Path, default=default_credentials_file())
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")

    api_key, secret, secret_location = demo_credentials(args.credentials_file)
    if not api_key.isalnum() or len(api_key) > 64:
        parser.error("the demo API key must be 1-64 letters and digits")
    handle = start_simulator(host=args.host, port=args.port, seed=args.seed)
    handle.accounts.create(api_key=api_key, secret=secret, balances=DEMO_BALANCES)
    # The operator's console (the Procfile runner prefixes and forwards these lines).
    sys.stdout.write(f"exchange simulator (Binance spot API): {handle.url}  seed {args.seed}\n")
    sys.stdout.write(f"demo account: api key {api_key}; secret in {secret_location}\n")
    sys.stdout.flush()

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
