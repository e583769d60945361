"""The conformance kit: contract tests that a plugin's component runs against itself.

One module per component protocol. Each holds a pytest test class to subclass
in your own test suite, with a factory method that builds your component; the
inherited tests then check it against the whole contract, exactly as hornbeam's
own suite checks the built-ins.
"""
