"""Keeping records only as long as the law allows (V3, L4, L5) and the customer's rights (PIPL):
retention periods per record type, legal holds, the purge, a customer's file and erasure on
request. Reads every domain app; nothing below imports it."""
