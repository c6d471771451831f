from yingji.dashboard.tests.builders import world  # noqa: F401 (the fixture of both test files)
