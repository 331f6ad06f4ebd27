"""Continuous monitoring: scheduled cycles, early warnings, alerts to webhooks and e-mail.

A cycle is either the light daily one (publish times only, monitor/daily.py) or the weekly full
inspection (run/inspect.py through monitor/weekly.py). Each cycle gives per-account
observations; warnings.py turns the findings that matter early (freshness.warning, links newly
broken, veto candidates) into early warnings; dedup.py decides, against the stored alert state
(store/alerts.py), which of them need an alert; messages.py writes the Chinese messages and
channels.py / delivery.py send them, once per problem until it changes. cycle.py ties one
cycle together; schedule.py runs cycles at their cron times.
"""
