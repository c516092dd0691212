"""The monitoring engine: a pure core with no Django import (issue 3, MON-1..MON-3)."""
