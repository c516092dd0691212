"""Video coverage of working places and key equipment: no video, no work (MON-7)."""
