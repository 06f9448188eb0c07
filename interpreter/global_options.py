"""Options of a click group given after its subcommand, as people type them (`qualrules check ... --no-color`):
moved before the subcommand, where click looks for them, so that every option the group declares works in
either place."""

from __future__ import annotations

import click


def _options(command: click.Command) -> dict[str, click.Option]:
    """An option of the command by each of its names; eager ones (--help, --version) are the command's own."""
    return {name: param for param in command.params if isinstance(param, click.Option) and not param.is_eager
            for name in (*param.opts, *param.secondary_opts)}


def _takes_value(option: click.Option, argument: str) -> bool:
    """Whether the next argument is this option's value (not `--name=value`, not a flag)."""
    return not (option.is_flag or option.count) and "=" not in argument


def _name(argument: str) -> str:
    return argument.partition("=")[0] if argument.startswith("--") else argument


def group_options_first(group: click.Group, context: click.Context, arguments: list[str]) -> list[str]:
    """`arguments` with the group's options that come after the subcommand (and their values) moved before
    it. An option the subcommand declares itself, a value of one of the subcommand's options and anything
    after `--` stay where they are."""
    mine = _options(group)
    position = 0
    while position < len(arguments) and arguments[position].startswith("-") and arguments[position] != "--":
        option = mine.get(_name(arguments[position]))
        position += 2 if option is not None and _takes_value(option, arguments[position]) else 1
    if position >= len(arguments) or arguments[position] == "--":
        return arguments
    command = group.get_command(context, arguments[position])
    if command is None:
        return arguments  # click reports the unknown command
    own = _options(command)
    moved, kept = [], []
    rest = arguments[position + 1:]
    index = 0
    while index < len(rest):
        argument = rest[index]
        if argument == "--":
            kept.extend(rest[index:])
            break
        name = _name(argument)
        option = own.get(name) or mine.get(name)
        taken = rest[index:index + 2] if option is not None and _takes_value(option, argument) else [argument]
        (kept if name in own or option is None else moved).extend(taken)
        index += len(taken)
    return [*arguments[:position], *moved, arguments[position], *kept]
