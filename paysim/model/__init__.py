"""The simulated world: money, demand, checkout, channels, platform, ledger."""
