"""The label sets every stage shares: themes, genres, metadata keys."""

from __future__ import annotations


LABELS: tuple[str, ...] = ("development", "livelihood", "safety", "party")


THEME_NAMES: dict[str, str] = {"development": "发展", "livelihood": "民生", "safety": "安全", "party": "党建"}


GENRES: tuple[str, ...] = ("speech", "self_report", "work_summary", "gov_report", "self_criticism",
                           "research_report", "meeting_news", "rectification_report")


METADATA_KEYS: tuple[str, ...] = ("unit", "role", "person", "year", "genre")
