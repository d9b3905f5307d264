"""Curation: find and parse the sources, validate them, format them, report, diff, count, query.

Everything a curator runs on a working copy before pushing; nothing here serves.
"""
