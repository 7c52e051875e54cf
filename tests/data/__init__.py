"""Test data: see build_old_layout.py and old_layout/."""
