"""The public portal keeps no tables of its own: its rate limits are counted by the shared
mechanism in `pinzhi/core/ratelimit.py` (issue 7 item 6)."""
