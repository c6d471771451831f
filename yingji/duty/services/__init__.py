"""Every write of the duty app is a function in this package, validated, in one transaction.

- rosters.py   patterns, a month generated from a pattern, shifts edited by form or by drag,
               holidays and reinforced duty as extra shifts
- now.py       who is on duty now (cached; read by the header on every page)
- log.py       the duty log and what its entries are about
- handover.py  handover notes, taking over a shift, shifts that left no handover
- reports.py   the daily duty report compiled from the ledgers of a day
- upward.py    incident reports up the chain, the officer on duty assigned to each incident, the queue above
- swaps.py     shift swaps
- alerts.py    what duty tells people and robot groups, through yingji.messaging
"""
