"""The hotline (热线, S2, L6): the ACD's call records imported, rolled up per half hour, and the
dashboard's figures — service level within 20 s (VIP too), within 15 s, abandonment, ASA."""
