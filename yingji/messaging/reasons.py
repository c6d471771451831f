"""Why a delivery failed, in the reader's language, from the code the channel recorded (channels.py).

Codes, not the network's own text: an officer learns that the robot refused
the key or that the address is not allowed, never which ports of the
server's network are open.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def describe(code: str) -> str:
    code = (code or "").lstrip("!")
    kind, _sep, detail = code.partition(":")
    if kind == "errcode":
        return _("The robot refused it (error code %(code)s): check its address and key.") % {"code": detail}
    if kind == "http":
        return _("The receiver answered HTTP %(status)s.") % {"status": detail}
    if kind == "smtp":
        return _("The mail server refused it (%(code)s).") % {"code": detail}
    known = {
        "network": _("Could not reach the receiver."),
        "timeout": _("Could not reach the receiver."),
        "unresolved": _("Could not reach the receiver."),
        "not_allowed": _("The address is on a local or private network; the operator has not allowed it."),
        "bad_url": _("The address is not an http(s) URL."),
        "robot_removed": _("The robot target was removed."),
        "robot_paused": _("The robot target is paused."),
        "no_gateway": _("No SMS gateway is configured."),
        "refused": _("The gateway did not accept it."),
        "smtp_unreachable": _("Could not reach the mail server."),
        "smtp_refused": _("The mail server refused the address."),
        "no_subscription": _("The person's phone has not allowed notifications."),
        "no_vapid_key": _("Web Push is not configured (no VAPID key)."),
        "push_refused": _("The push service refused it."),
        "not_attempted": _("Not attempted."),
        "live": _("Could not reach the person's open pages (the realtime service)."),
        "error": _("Could not deliver."),
    }
    return str(known.get(kind, _("Could not deliver.")))
