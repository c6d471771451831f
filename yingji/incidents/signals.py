"""Signals of incidents for the apps that build on them (incidents imports none of those apps).

`opened(sender=Incident, incidents=[…])` is sent by intake (services/intake.py)
inside the transaction that wrote new incidents — one at a time or a batch
written with bulk_create, which sends no post_save — so that a receiver
(the plans' checklist) writes its rows in the same transaction, for all of
them at once.
"""

from django.dispatch import Signal

opened = Signal()
