"""Bundled .qual rulesets, one folder per awarding body; each plugin reads its own folder."""
