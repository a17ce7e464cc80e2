"""Tests for ``resources/``: icons, desktop entry and AppStream metadata."""
