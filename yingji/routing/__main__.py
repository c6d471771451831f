"""Command line of the travel-time engine: ``python -m yingji.routing …``.

``build-futian --out PATH`` rebuilds the demo district's network file;
``build-osm PBF --out PATH`` imports any extract; ``info PATH`` describes a
network file.
"""

from __future__ import annotations

import argparse
import sys
import time

from .demo import FUTIAN_NPZ, build_futian
from .network import Network
from .osm import read_osm
from .speeds import PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yingji.routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fut = sub.add_parser("build-futian", help="import the shipped Futian extract to .npz")
    fut.add_argument("--out", default=str(FUTIAN_NPZ))
    fut.add_argument("--profile", choices=sorted(PROFILES), default="emergency")
    osm = sub.add_parser("build-osm", help="import an .osm.pbf extract to .npz")
    osm.add_argument("pbf")
    osm.add_argument("--out", required=True)
    osm.add_argument("--profile", choices=sorted(PROFILES), default="emergency")
    info = sub.add_parser("info", help="describe a network file")
    info.add_argument("path")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    if args.command == "build-futian":
        net = build_futian(args.out, PROFILES[args.profile])
    elif args.command == "build-osm":
        net = read_osm(args.pbf, PROFILES[args.profile])
        net.save(args.out)
    else:
        net = Network.load(args.path)
    took = time.perf_counter() - start
    print(
        f"{net!r} bbox={tuple(round(x, 5) for x in net.bbox)} profile={net.meta.get('profile')} ({took:.2f} s)"
    )
    if args.command != "info":
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
