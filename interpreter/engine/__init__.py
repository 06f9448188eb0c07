"""Compiled rules and the pure functions that decide with them: verdicts, claims, plans and journeys."""
