"""Signals of the messaging app, for the apps whose subjects the messages are about.

`acknowledged(sender=Message, message, user, at)`: a recipient acknowledged a
message that asked for it (after the commit, once per recipient). Warnings
count their acknowledgements on it; incidents could mark a call-out seen.

`progressed(sender=Message, message_ids)`: deliveries of these messages
moved on (a worker sent a batch; a recipient opened one), after the change
is committed. The warnings' progress page updates live on it. Receivers must
be cheap: a big message raises it once per batch of CLAIM_BATCH rows.
"""

from django.dispatch import Signal

acknowledged = Signal()
progressed = Signal()
