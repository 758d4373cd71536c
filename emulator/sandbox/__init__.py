"""The sandbox: the real bot against the built-in Bot API emulator, with a demo county."""
