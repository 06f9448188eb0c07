"""qualrules: a rules language and exact interpreter for the rules of combination of qualifications."""

__version__ = "0.1.0"
