"""The `yingji` command for operators: a thin wrapper over Django's management commands.

    yingji serve [--port 8000] [--host 127.0.0.1]   serve the platform (HTTP and websockets)
    yingji migrate                                  create or upgrade the database
    yingji demo-data [--scale futian|city]          generate the demo district
    yingji createadmin USERNAME [--password P]      create a superuser
    yingji worker                                   run background tasks (siting studies, deliveries)
    yingji tick [--once] [--status]                 run the apps' scheduled jobs (escalations, retries...)
    yingji import-roads FILE.osm.pbf                import a road network for travel times
    yingji check-stock                              verify every stock balance against its ledger
    yingji vapid-keys                               print a new Web Push key pair for the environment
    yingji iot-listen                               run the IoT devices' MQTT listener (alarms into incidents)
    yingji <any Django command> ...                 e.g. yingji check, yingji shell
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "demo-data": "demo_data",
    "createadmin": "createadmin",
    "worker": "db_worker",
    "tick": "run_jobs",
    "check-stock": "check_stock",
    "import-roads": "import_roads",
    "vapid-keys": "vapid_keys",
    "iot-listen": "iot_listen",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    command, rest = args[0], args[1:]
    from django.core.management import execute_from_command_line

    if command == "serve":
        host, port = "127.0.0.1", "8000"
        if "--host" in rest:
            host = rest[rest.index("--host") + 1]
        if "--port" in rest:
            port = rest[rest.index("--port") + 1]
        from django.conf import settings

        background = None
        if settings.YINGJI_SERVE_BACKGROUND:
            # Development and the demo: the task worker and the scheduled jobs run in threads of
            # this process, so one `make demo` does everything (production runs `yingji worker`
            # and `yingji tick` as their own processes).
            import django

            django.setup()
            from yingji.core import background as background_work

            background = background_work.start()
        try:
            if settings.PRODUCTION:
                # Production: daphne serves HTTP and websockets; static files via whitenoise.
                execute_from_command_line(["yingji", "collectstatic", "--noinput", "--verbosity", "0"])
                from daphne.cli import CommandLineInterface

                CommandLineInterface().run(["-b", host, "-p", port, "yingji.asgi:application"])
            else:
                execute_from_command_line(["yingji", "runserver", f"{host}:{port}", "--noreload"])
        finally:
            if background is not None:
                background.stop()
        return
    execute_from_command_line(["yingji", ALIASES.get(command, command), *rest])


if __name__ == "__main__":
    main()
