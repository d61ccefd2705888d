"""One client of the two: the asyncio source here, its generated blocking twin in camb/_sync/."""
