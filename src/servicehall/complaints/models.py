"""The complaint desk's records beside the Case (cases.models): see apps.py."""
