"""Every exchange behind one interface (`base.Venue`); `registry.get_venue` is the only factory.

No ccxt dict, and no ccxt import, leaves this package.
"""
