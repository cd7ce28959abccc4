"""Service reports (S2): rollup tables per hall and day, kept current from the event rows and
rebuilt idempotently; the dashboard's figures against their targets; the daily and monthly
report documents."""
