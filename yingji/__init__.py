"""Yingji (应急): community-level emergency management platform."""

__version__ = "0.1.0"
