"""Evacuation orders on the database (MON-8, EMG-2, issue 6 §6), one module per part:
:mod:`.common` (names, the rule set in force, positioning, the targets' history),
:mod:`.weather` (warnings and the mines they call an order for), :mod:`.notices` (in-app
notices), :mod:`.orders` (issuing, lifting, the mine's receipt and confirmation) and
:mod:`.checks` (the check against positioning, spot checks, what a failure leads to). Rules
live in :mod:`minesafe.emergency.rules`; every function takes ``now`` and, where positioning is
read, a ``lookup`` (injected in tests).
"""
