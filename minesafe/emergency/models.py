"""Evacuation orders to mines, their confirmations and spot checks (MON-8, EMG-2, issue 6 §6)."""
