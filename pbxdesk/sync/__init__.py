"""Keeping the local call store in step with the PBX (no Qt)."""
