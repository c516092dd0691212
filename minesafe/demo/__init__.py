"""The demo county: each area's year of plausible history (``load_demo``) and the living demo
feed. Demo data is not domain code: the areas know nothing of this package."""
