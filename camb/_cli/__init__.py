"""The `camb` command line: the parser, each command, and their plumbing."""
