"""Learner records: the plain data the engine reads (`learner`) and the file readers that build it."""
