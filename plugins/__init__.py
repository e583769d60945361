"""hornbeam's built-in plugins, loaded through the ``hornbeam`` entry-point group like any other.

Each one provides a single component and can be disabled by name or replaced
by a plugin that implements the same hook.
"""
