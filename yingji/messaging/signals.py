"""Signals of the messaging app, for the apps whose subjects the messages are about.

`acknowledged(sender=Message, message, user, at)`: a recipient acknowledged a
message that asked for it (after the commit, once per recipient). Warnings
count their acknowledgements on it; incidents could mark a call-out seen.
"""

from django.dispatch import Signal

acknowledged = Signal()
