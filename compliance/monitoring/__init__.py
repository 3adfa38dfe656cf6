"""Transaction monitoring: rules over users' trades, the alerts they raise, the risk score.

Not to be confused with the top-level `monitoring` app (health, metrics, ops alerts): this
package is compliance's AML monitoring.

- `params`: each rule's parameter schema, validated in the admin and before every run.
- `rules`: one function per rule (their parameters documented on each), and the registry.
- `trades`: the read queries the rules share (fills in a window, in US dollars).
- `services`: `evaluate_order` (after each fill) and `run_scheduled_rules` (beat, hourly).
- `risk`: `recompute_risk(user)`, the 0-100 score with its reasons.
- `hooks`: the one call the order service makes when an order gets fills.
- `tasks`: the Celery tasks.

docs/monitoring-rules.md describes every rule, its defaults and the score formula.
"""
