"""Signals of the messaging app, for the apps whose subjects the messages are about.

`acknowledged(sender=Message, message, user, at)`: a recipient acknowledged a
message that asked for it (after the commit, once per recipient). Warnings
count their acknowledgements on it; incidents could mark a call-out seen.

`progressed(sender=Message, message_ids, delivery_ids)`: deliveries of these
messages moved on (a worker sent a batch or gave some up; a recipient was
shown, opened or acknowledged one; an operator retried given-up ones), after
the change is committed. `delivery_ids` names the rows that changed (None:
any of the messages' rows may have). Every change of a delivery's status,
`delivered_at` or `read_at` raises it: the warnings keep each person's state
from it, and their progress page updates live on it. Receivers must be
cheap: a big message raises it once per batch of CLAIM_BATCH rows.
"""

from django.dispatch import Signal

acknowledged = Signal()
progressed = Signal()
