"""Personnel positioning in the database: who is underground, where, against the approved
headcount (MON-5, PER-7, issue 6 §5)."""
