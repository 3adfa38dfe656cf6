"""Write use cases of the trading app, by sub-domain: candles, markets, connections."""
