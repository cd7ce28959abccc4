"""Retention of customers who want to leave (分级挽留, R1–R3): a case type of the one case engine."""
