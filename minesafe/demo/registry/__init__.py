"""The demo county (issue 2 §6): a realistic, fictional county built from a fixed seed.

Every name, code and number is invented: the province 河东省, the city 云岭市 with the demo county
青川县 and its neighbour 石岭县, the bureaus, twelve enterprises (three groups, four 主体企业
under them, five private companies) and about forty mines. Division codes start with 96, a
province code that GB/T 2260 does not assign, so they cannot be mistaken for real ones.

- **Deterministic.** All choices come from ``random.Random(seed)`` (never the global random),
  and every date is relative to ``today``: the same seed gives the same codes, names and facts,
  and the licence warnings (30 / 90 days, one expired licence) stay true whenever it is loaded.
- **Idempotent.** If the demo user ``regulator`` exists the demo is already there: nothing is
  changed and the summary of what is there is returned. There is no wipe-and-reload, so a demo
  whose dossiers someone has since edited is never overwritten.
- **Audited.** The load runs in one transaction with ``acting_as(None, "演示数据")``, so every
  row has its audit entry attributed to the system.
- **Scripted roles.** Some mines play a part in the demo and are placed on purpose (the
  ``_SLOT_*`` constants): ``mine1``'s mine is an exemplary class-A group mine, one mine runs on an
  expired safety-production licence and was raised to class C by the regulator, one resumed
  after rectification with an acceptance document, ``mine2``'s mine is private, one had an
  accident, so classes A, B and C and every production status occur for any seed.

:func:`load_bulk_mines` adds thousands of plain mines with ``bulk_create`` for the web benchmark
(no audit rows); their names start with :data:`BULK_PREFIX`.

The package: :mod:`.world` (codes, counties, enterprises, logins, name pools), :mod:`.mines`
(which mine is what), :mod:`.records` (each mine's licences, faces, appraisals, history and
supervision) and :mod:`.load` (the entry points below).
"""

from minesafe.demo.registry.load import load_bulk_mines, load_demo
from minesafe.demo.registry.world import (
    BULK_PREFIX,
    BULK_SERIAL_START,
    CITY_CODE,
    COUNTY_CODE,
    DEMO_COUNTIES,
    DEMO_USERNAMES,
    MAX_MINES,
    MIN_MINES,
    OTHER_COUNTY_CODE,
    PASSWORD,
    PROVINCE_CODE,
    REASON,
    DemoSummary,
    credit_code,
)

__all__ = [
    "BULK_PREFIX",
    "BULK_SERIAL_START",
    "CITY_CODE",
    "COUNTY_CODE",
    "DEMO_COUNTIES",
    "DEMO_USERNAMES",
    "MAX_MINES",
    "MIN_MINES",
    "OTHER_COUNTY_CODE",
    "PASSWORD",
    "PROVINCE_CODE",
    "REASON",
    "DemoSummary",
    "credit_code",
    "load_bulk_mines",
    "load_demo",
]
