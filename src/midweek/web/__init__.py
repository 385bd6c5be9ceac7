"""The reader-facing site and its read-only JSON API (FastAPI, server-rendered).

``create_app`` lives in :mod:`midweek.web.app`; this package imports nothing itself, so
the command line stays quick to start when it only registers ``serve``.
"""
