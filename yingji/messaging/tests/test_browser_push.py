"""A responder turns notifications on from the phone page; a call-out then reaches the phone by Web Push.

Headless Chromium has no push service to subscribe with (that needs the
internet), so the page's `pushManager.subscribe` answers the subscription of
a local push endpoint that the test runs; everything else is real: the page
asks the browser's permission and registers the subscription through the API,
the server encrypts and signs the message, the endpoint decrypts it with the
subscription's private key, and the service worker shows the notification
(the message pushed into it through the DevTools protocol).
"""

from __future__ import annotations

import json

import pytest

from yingji.messaging import delivery
from yingji.messaging.models import PushSubscription
from yingji.messaging.tests.builders import message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_phone_page_asks_permission_registers_and_shows_a_pushed_message(
        cast, page_for, live_server, push_service, screenshot):
    endpoint, browser = push_service.new_browser("phone")
    page = page_for(cast.responder_a, mobile=True)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    subscription = {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": browser.p256dh,
                                                                           "auth": browser.auth}}
    page.add_init_script("""
      PushManager.prototype.subscribe = function (options) {
        window.__applicationServerKey = options.applicationServerKey;
        var sub = %s;
        return Promise.resolve({endpoint: sub.endpoint, toJSON: function () { return sub; }});
      };
      PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
    """ % json.dumps(subscription))
    page.goto(live_server.url + "/incidents/me/")
    page.click("[data-testid=push-enable]")
    page.wait_for_selector("[data-testid=push-state][data-on='1']")
    assert not page.is_visible("[data-testid=push-enable]")  # asked once: the offer goes
    screenshot(page, "messaging-push-on-phone")
    sub = PushSubscription.objects.get()
    assert (sub.user, sub.endpoint, sub.p256dh, sub.auth) == (cast.responder_a, endpoint, browser.p256dh, browser.auth)

    m = message(cast, recipients=[cast.responder_a], channels=("push",), title="出警：火灾", body="A社区 3 号楼")
    delivery.drain()
    [post] = push_service.state.received
    pushed = json.loads(post.plaintext)  # what the push service will hand to the phone, decrypted
    assert pushed["title"] == "出警：火灾" and m.deliveries.get().status == "sent"

    # The service worker of the phone page shows it.
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.evaluate("navigator.serviceWorker.ready.then(function () { return true; })")
    for _ in range(50):
        if any(r["scopeURL"].endswith("/incidents/me/") for r in registrations):
            break
        page.wait_for_timeout(100)
    [registration] = [r for r in registrations if r["scopeURL"].endswith("/incidents/me/")][:1]
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url + "/",
                                                  "registrationId": registration["registrationId"],
                                                  "data": post.plaintext.decode()})
    shown = None
    for _ in range(100):  # the worker shows it asynchronously; evaluate() awaits the promise
        shown = page.evaluate("""navigator.serviceWorker.ready.then(function (r) {
            return r.getNotifications().then(function (list) {
              return list.map(function (n) { return n.title + "|" + n.body; }); });
          })""")
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == ["出警：火灾|A社区 3 号楼"]
