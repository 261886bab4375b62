from tests.api.fuzzing import STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = STATS.lines()
    if lines:
        terminalreporter.section("API fuzzing (schemathesis)")
        for line in lines:
            terminalreporter.write_line(line)
