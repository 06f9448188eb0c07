"""The .qual grammar (`qual.lark`) and its parser (`parser`): text to a syntax tree with positions."""
