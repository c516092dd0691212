"""What the register tells the areas built on it: a producing mine lacks valid licences
(``mine``, ``flags``: ``services.LicenceFlag`` list, ``now``). The hazard ledger proposes them."""

from django.dispatch import Signal

licences_flagged = Signal()
